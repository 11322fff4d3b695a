"""Draws bench/latency's results: latency over the run and the percentile distribution.

    latency-plot.py --output FILE.png [--title TEXT] RATE=results.json [RATE=results.json …]

Left: p99 per second of commit time (commit→warehouse solid, commit→Kafka dashed), one
colour per rate, the warm-up shaded, the targets as dotted lines. Right: the percentile
distribution of the measured seconds (HdrHistogram's percentile iteration), on the usual
1/(1 − percentile) axis. Needs matplotlib (bench only; not a dependency of Helio).
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)


def target_ms(rate):
    """Issue #16's p99 commit→warehouse targets, as bench/latency applies them."""
    if rate <= 5000:
        return 250
    if rate <= 20000:
        return 500
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--title", default="")
    parser.add_argument("runs", nargs="+", help="RATE=results.json")
    args = parser.parse_args()

    runs = []
    for run in args.runs:
        rate, path = run.split("=", 1)
        with open(path) as f:
            runs.append((int(rate), json.load(f)))

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, (over_time, distribution) = plt.subplots(1, 2, figsize=(14, 5.5))

    for index, (rate, result) in enumerate(runs):
        colour = colours[index % len(colours)]
        warmup = result["warmup_seconds"]
        for key, style, label in (("commit_to_warehouse", "-", "warehouse"), ("commit_to_kafka", "--", "Kafka")):
            seconds = [s["second"] - warmup for s in result[key]["per_second"]]
            p99 = [s["p99_ms"] for s in result[key]["per_second"]]
            over_time.plot(seconds, p99, style, color=colour, linewidth=1.4,
                           label=f"{rate:,}/s commit→{label} p99")

            points = [(p, ms) for p, ms in result[key]["distribution"] if p < 100]
            if points:
                xs = [1 / (1 - p / 100) for p, _ in points]
                distribution.plot(xs, [ms for _, ms in points], style, color=colour, linewidth=1.4,
                                  label=f"{rate:,}/s commit→{label} (max {result[key]['max_ms']:,.0f} ms)")
        target = target_ms(rate)
        if target:
            for axis in (over_time, distribution):
                axis.axhline(target, color=colour, linestyle=":", linewidth=1)
    if runs:
        over_time.axvspan(-runs[0][1]["warmup_seconds"], 0, color="0.9", label="warm-up (not measured)")

    over_time.set_xlabel("second of commit time since the measured window began")
    over_time.set_ylabel("p99 latency in that second (ms)")
    over_time.set_yscale("log")
    over_time.set_title("p99 per second (dotted: p99 commit→warehouse target)")
    over_time.grid(True, which="both", alpha=0.3)
    over_time.legend(fontsize=8)

    distribution.set_xscale("log")
    distribution.set_yscale("log")
    ticks = [1 / (1 - p) for p in (0.5, 0.9, 0.99, 0.999, 0.9999)]
    distribution.set_xticks(ticks, ["50%", "90%", "99%", "99.9%", "99.99%"])
    distribution.set_xlabel("percentile")
    distribution.set_ylabel("latency (ms)")
    distribution.set_title("Percentile distribution, measured seconds (HdrHistogram)")
    distribution.grid(True, which="both", alpha=0.3)
    distribution.legend(fontsize=8)

    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)


if __name__ == "__main__":
    main()
