"""Draws bench/capture's results against Debezium: bars per tool and mode.

    capture-plot.py --output FILE.png [--title TEXT] [--run ID …] results.jsonl [results.jsonl …]

Reads the JSON lines `bench/capture --results FILE` appends (one per tool, mode and run;
`--run` keeps only the runs named). Left: rows/s; middle: peak RSS (log scale); right: CPU
seconds used (user + system; less sensitive than wall time to what else the machine runs).
One group of bars per mode (1,000 × 1,000-row transactions, one 1,000,000-row
transaction), one bar per tool: the median of the runs, a dot per run. Needs matplotlib
(bench only; not a dependency of Helio).
"""
import argparse
import json
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
import matplotlib.ticker  # noqa: E402

TOOLS = [
    ("pg_recvlogical", "pg_recvlogical (floor)"),
    ("helio", "Helio (helio form)"),
    ("helio-debezium-form", "Helio (debezium form)"),
    ("debezium", "Debezium 3.6.3"),
]
MODES = ["batched", "single"]


def mode_label(mode, lines):
    rows = lines[0]["rows"]
    if mode == "single":
        return f"1 × {rows:,}-row transaction"
    tx = lines[0]["tx_rows"]
    return f"{rows // tx:,} × {tx:,}-row transactions"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--title", default="")
    parser.add_argument("--run", action="append", default=[], help="a run id to keep (repeatable)")
    parser.add_argument("results", nargs="+")
    args = parser.parse_args()

    lines = []
    for path in args.results:
        with open(path) as f:
            lines += [json.loads(line) for line in f if line.strip()]
    if args.run:
        lines = [line for line in lines if line["run"] in args.run]
    modes = [m for m in MODES if any(line["mode"] == m for line in lines)]
    tools = [(t, label) for t, label in TOOLS if any(line["tool"] == t for line in lines)]

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, (speed, memory, cpu) = plt.subplots(1, 3, figsize=(17, 5.8))
    width = 0.8 / len(tools)
    for t_index, (tool, label) in enumerate(tools):
        for axis, key in ((speed, "rows_per_s"), (memory, "peak_rss_mb"), (cpu, "cpu_s")):
            xs, medians = [], []
            for m_index, mode in enumerate(modes):
                values = [line[key] for line in lines if line["tool"] == tool and line["mode"] == mode
                          and line.get(key) is not None]
                if not values:
                    continue
                x = m_index + (t_index - (len(tools) - 1) / 2) * width
                xs.append(x)
                medians.append(statistics.median(values))
                axis.scatter([x] * len(values), values, color="black", s=8, zorder=3)
            bars = axis.bar(xs, medians, width * 0.92, color=colours[t_index % len(colours)],
                            label=label if axis is speed else None)
            fmt = {"rows_per_s": "{:,.0f}", "peak_rss_mb": "{:,.0f} MB", "cpu_s": "{:,.1f} s"}[key]
            axis.bar_label(bars, labels=[fmt.format(v) for v in medians], fontsize=7.5, padding=2)

    by_mode = {mode: [line for line in lines if line["mode"] == mode] for mode in modes}
    for axis, title in ((speed, "rows/s (higher is better)"), (memory, "peak RSS, MB (log scale; lower is better)"),
                        (cpu, "CPU seconds for the range (lower is better)")):
        axis.set_xticks(range(len(modes)), [mode_label(m, by_mode[m]) for m in modes], fontsize=8.5)
        axis.set_title(title)
        axis.grid(axis="y", alpha=0.3)
    speed.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    speed.set_ylabel("rows/s: process start → the slot confirms the range's end")
    memory.set_yscale("log")
    memory.set_ylabel("peak RSS (VmHWM), MB")
    cpu.set_ylabel("user + system CPU seconds")
    runs = len({line["run"] for line in lines})
    fig.legend(loc="lower center", ncol=len(tools), frameon=False)
    fig.suptitle(args.title or f"bench/capture: the same WAL range, median of {runs} run(s), a dot per run")
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    fig.savefig(args.output, dpi=110)


if __name__ == "__main__":
    main()
