"""Draws a fault run's recovery times per fault kind (docs/reliability.md).

    .local/venv/bin/python bench/faults-plot.py --output docs/images/fault-recovery.svg REPORT [REPORT …]

REPORT is what the fault suite writes with HELIO_FAULT_REPORT: JSON when its name ends in
.json (per injection, with measurements such as the standby's takeover time after a network
cut), else the text report, whose "Injections in order" journal is read, or its .progress file. One row per fault
kind: a dot per injection (seconds from the fault's lift, or from the cut for a network cut,
until a change committed after it was in the warehouse), the median as a bar, its value and
the count beside it; log scale. A network cut adds a row for the takeover (cut → the standby
streams the slot). Needs matplotlib (bench only; not a dependency of Helio).
"""
import argparse
import json
import random
import re
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

# A line of the journal ("12. kill -9 apply: survived, recovered in 12.0 s — …") or of the
# progress file ("[faults  240 s] 12/54 kill -9 apply: …"), which a run that did not finish leaves.
JOURNAL = re.compile(r"^(?:\[faults\s+\d+ s\] )?(?:\d+/\d+ |\d+\. )?(.+?): (survived|NOT survived|NOT SURVIVED)"
                     r"(?:, recovered in ([\d.]+) s)? — (.*)$")
TAKEOVER = re.compile(r"streamed the slot ([\d.]+) s after the cut")


def injections(path):
    """(fault, survived, recovery seconds or None, measurements) per injection."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        report = json.loads(text)
        return [(i["fault"], i["survived"], i["recovery_seconds"], i.get("measurements", {})) for i in report["injections"]], report
    found = []
    for line in text.splitlines():
        match = JOURNAL.match(line)
        if not match:
            continue
        fault, survived, seconds, note = match.groups()
        measurements = {}
        takeover = TAKEOVER.search(note)
        if takeover:
            measurements["takeover_seconds"] = float(takeover.group(1))
        found.append((fault, survived == "survived", float(seconds) if seconds else None, measurements))
    return found, None


def kind(fault):
    """The fault kind: the paused table's name (it changes every round) is left out."""
    return re.sub(r"^(a table paused and resumed under load) \(.*\)$", r"\1", fault)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--title", default=None)
    parser.add_argument("reports", nargs="+")
    arguments = parser.parse_args()

    rows = {}
    titles = []
    for path in arguments.reports:
        found, report = injections(path)
        if report:
            titles.append(f"seed {report['seed']}, {len(found)} injections, {report['wall_seconds'] / 60:.0f} min")
        for fault, survived, seconds, measurements in found:
            fault = kind(fault)
            if seconds is not None and survived:
                rows.setdefault(fault, []).append(seconds)
            if "takeover_seconds" in measurements:
                rows.setdefault("network cut: the standby streams the slot (takeover)", []).append(measurements["takeover_seconds"])
    order = sorted(rows, key=lambda fault: statistics.median(rows[fault]))

    figure, axis = plt.subplots(figsize=(12, 0.42 * len(order) + 1.8))
    jitter = random.Random(1)
    for index, fault in enumerate(order):
        values = rows[fault]
        median = statistics.median(values)
        axis.scatter(values, [index + jitter.uniform(-0.18, 0.18) for _ in values], s=14, alpha=0.55,
                     color="#c0392b" if "takeover" in fault else "#2c6fbb", zorder=3)
        axis.plot([median, median], [index - 0.32, index + 0.32], color="black", linewidth=2.2, zorder=4)
        axis.annotate(f"{median:.1f} s (n={len(values)})", (max(values), index), xytext=(6, -3),
                      textcoords="offset points", fontsize=8)
    axis.axvline(10, color="#888", linestyle=":", linewidth=1)
    axis.text(10, len(order) - 0.4, " 10 s", color="#666", fontsize=8)
    axis.set_yticks(range(len(order)))
    axis.set_yticklabels(order, fontsize=8)
    axis.set_xscale("log")
    axis.set_xlabel("seconds until a change committed after the fault is in the warehouse (log scale; bar: median; red: takeover)")
    axis.set_xlim(0.05, max(max(v) for v in rows.values()) * 4)
    axis.grid(axis="x", which="both", alpha=0.25)
    axis.set_title(arguments.title or "Fault suite: recovery per fault (" + "; ".join(titles) + ")", fontsize=10)
    figure.tight_layout()
    figure.savefig(arguments.output, metadata={"Date": None} if arguments.output.endswith(".svg") else None)
    for fault in order:
        print(f"{fault}: median {statistics.median(rows[fault]):.1f} s, n={len(rows[fault])}")


if __name__ == "__main__":
    main()
