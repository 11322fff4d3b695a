"""Draws bench/apply's results: helio apply against native logical replication, run by run.

    apply-plot.py --output FILE.png [--title TEXT] OUTPUT.txt [OUTPUT.txt …]

Reads what bench/apply prints (`bench/apply | tee run.txt`): every result row
`| events | helio apply s | helio events/s | native s | native events/s | ratio | capture s |`
is one run, labelled by the `# label` line above it when there is one (as in
bench/recorded/apply-runs.txt), else by its file's name. Top: events/s of helio and of the
native subscription per run, with the 50,000 events/s target; bottom: the ratio with its 0.5
target. Needs matplotlib (bench only; not a dependency of Helio).
"""
import argparse
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
import matplotlib.ticker  # noqa: E402

MIN_RATE = 50_000   # bench/apply's targets
MIN_RATIO = 0.5
ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|")


def read_runs(path):
    runs, label = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("# ") and not line.startswith("# bench/") and len(line) < 40:
                label = line[2:].strip()
                continue
            match = ROW.match(line)
            if match:
                events, apply_s, apply_rate, native_s, native_rate, ratio = match.groups()
                runs.append({"label": label or os.path.basename(path), "helio": int(apply_rate),
                             "native": int(native_rate), "ratio": float(ratio)})
                label = None
    return runs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--title", default="bench/apply: helio apply against native logical replication, same changes")
    parser.add_argument("outputs", nargs="+")
    args = parser.parse_args()

    runs = [run for path in args.outputs for run in read_runs(path)]
    if not runs:
        raise SystemExit("apply-plot.py: no result rows found")
    xs = list(range(len(runs)))
    fig, (rates, ratios) = plt.subplots(2, 1, figsize=(13, 7), sharex=True, gridspec_kw={"height_ratios": [2, 1]})

    rates.plot(xs, [r["native"] for r in runs], "o-", color="#7f7f7f", linewidth=1, markersize=4,
               label="native subscription (publication → subscription)")
    rates.plot(xs, [r["helio"] for r in runs], "o-", color="#1f77b4", linewidth=1.6, markersize=5, label="helio apply")
    rates.axhline(MIN_RATE, color="#d62728", linestyle=":", linewidth=1.2, label=f"target ≥ {MIN_RATE:,} events/s")
    rates.set_ylabel("events/s")
    rates.set_ylim(0, max(r["native"] for r in runs) * 1.1)
    rates.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:.0f}k"))
    rates.legend(loc="upper left", fontsize=9)
    rates.grid(axis="y", alpha=0.3)

    met = ["#2ca02c" if r["ratio"] >= MIN_RATIO else "#d62728" for r in runs]
    ratios.bar(xs, [r["ratio"] for r in runs], color=met, width=0.6)
    ratios.axhline(MIN_RATIO, color="#d62728", linestyle=":", linewidth=1.2)
    ratios.set_ylabel("helio ÷ native")
    ratios.set_ylim(0, 1)
    ratios.grid(axis="y", alpha=0.3)

    # One tick label per group of consecutive runs with the same label (a commit).
    ticks, labels = [], []
    for index, run in enumerate(runs):
        if index == 0 or run["label"] != runs[index - 1]["label"]:
            ticks.append(index)
            labels.append(run["label"])
    ratios.set_xticks(ticks)
    ratios.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ratios.set_xlabel("run (oldest first), labelled by date and commit")
    fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)


if __name__ == "__main__":
    main()
