"""Draws the scaling model of apply (docs/benchmarks.md, "Scaling model"): events/s against
the number of appliers, taking turns (apply.parallel false) and in parallel, from three costs
measured by bench/apply on one applier, with the points measured on this machine beside it.

    apply-scaling-plot.py --output FILE.png --applier-ms A --warehouse-ms W --locked-ms L
                          [--point N:EVENTS_PER_S:LABEL ...]

A, W, L: milliseconds of CPU per 1,000 events — A in the applier (decode, render, COPY out;
bench/apply's "CPU: appliers"), W in its warehouse session (bench/apply's "CPU: … warehouse
sessions"), L of W spent under the apply lock (dw.apply_staged's total time per 1,000 events,
BENCH_PROFILE=1). The model, for N appliers each on its own core and a warehouse with a core
per applier:
  - one applier: 1000 / max(A, W) events/s (its consumer thread decodes the next batch while
    its writer applies this one, so the slower side sets the pace);
  - taking turns: at most 1000 / L events/s whatever N, since every batch's apply_staged holds
    the lock alone;
  - parallel: N times one applier, up to the warehouse's cores.
What it leaves out, and why the parallel line is an upper bound: batches that run alone
(truncates, transaction consistency, Debezium's form), the rows two batches both count into
(dw.tx_log, dw.tx_arrival: they wait for each other from that statement to the commit), the
single transaction-topic partition, and the broker. Needs matplotlib (bench only).
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--applier-ms", type=float, required=True)
    parser.add_argument("--warehouse-ms", type=float, required=True)
    parser.add_argument("--locked-ms", type=float, required=True)
    parser.add_argument("--max-appliers", type=int, default=16)
    parser.add_argument("--point", action="append", default=[],
                        help="N:EVENTS_PER_S:LABEL, a measured run (repeatable)")
    args = parser.parse_args()

    one = 1000 / max(args.applier_ms, args.warehouse_ms) * 1000
    cap = 1000 / args.locked_ms * 1000
    ns = list(range(1, args.max_appliers + 1))
    turns = [min(n * one, cap) for n in ns]
    parallel = [n * one for n in ns]

    fig, ax = plt.subplots(figsize=(8, 4.8))
    ax.plot(ns, [p / 1000 for p in parallel], "-", color="tab:green",
            label="model, apply.parallel (upper bound: a warehouse core per applier)")
    ax.plot(ns, [t / 1000 for t in turns], "-", color="tab:orange",
            label=f"model, taking turns (the lock: {cap / 1000:.0f}k events/s whatever N)")
    markers = {}
    for point in args.point:
        n, rate, label = point.split(":", 2)
        first = label not in markers
        style = markers.setdefault(label, "osv^D"[len(markers) % 5])
        ax.plot([int(n)], [float(rate) / 1000], style, color="black", linestyle="none",
                label=label if first else None)
    ax.set_xlabel("appliers (processes in one consumer group)")
    ax.set_ylabel("events/s (thousands)")
    ax.set_xticks([1, 2, 4, 8, 12, 16])
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title(f"apply scaling model: {args.applier_ms:.1f} ms applier, {args.warehouse_ms:.1f} ms warehouse "
                 f"({args.locked_ms:.1f} under the lock) per 1,000 events", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)


if __name__ == "__main__":
    main()
