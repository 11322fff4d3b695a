"""Where the machine's CPU went during one bench/latency rate (BENCH_PROFILE=1).

    latency-cpu.py CAPTURE_PID APPLY_PID WALSENDER_PID SOURCE_DB WAREHOUSE_DB BROKER   (runs until SIGTERM)

Samples every process's CPU time once a second, sorts the increments into this run's
parts (helio capture and apply, the probe, their PostgreSQL backends, the shared broker)
and everything else on the machine (other people's builds and tests), and prints, when
stopped, each part's average share in percent of one core, with the machine's total busy
and iowait time from /proc/stat. Processes that live less than a second are missed by name
but still counted in the machine total, so "other" is the total minus the named parts.
"""
import os
import signal
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def processes():
    """pid → (CPU ticks, command line or comm) for every readable process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        found[int(entry)] = (int(fields[11]) + int(fields[12]), cmdline or comm)
    return found


def machine():
    """(busy ticks, iowait ticks, all ticks) from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle, iowait = values[3], values[4]
    return sum(values) - idle - iowait, iowait, sum(values)


def main():
    capture_pid, apply_pid, walsender_pid = (int(v) for v in sys.argv[1:4])
    source_db, warehouse_db, broker = sys.argv[4], sys.argv[5], sys.argv[6]
    parts = [
        ("helio capture", lambda pid, cmd: pid == capture_pid),
        ("helio apply", lambda pid, cmd: pid == apply_pid),
        ("probe (load driver, Kafka reader, warehouse poll)", lambda pid, cmd: "helio-latency" in cmd.split(" ")[0]),
        # A walsender's title names no database: known by its pid.
        ("walsender (capture's decoding)", lambda pid, cmd: pid == walsender_pid),
        ("apply's backend (dw.apply_staged)", lambda pid, cmd: cmd.startswith(f"postgres: helio_writer {warehouse_db} ")),
        ("load's backend (energy inserts)", lambda pid, cmd: cmd.startswith(f"postgres: postgres {source_db} ")),
        ("probe's warehouse poll backend", lambda pid, cmd: cmd.startswith(f"postgres: postgres {warehouse_db} ")),
        ("postgres background (walwriter, checkpointer, …)",
         lambda pid, cmd: cmd.startswith("postgres: ") and any(
             word in cmd for word in ("walwriter", "checkpointer", "background writer", "autovacuum", "launcher", "logger", "stats"))),
        # The stack's broker serves other people's runs too; other brokers are theirs alone.
        ("tansu, the stack's broker", lambda pid, cmd: "tansu" in cmd.split(" ")[0] and broker in cmd),
        ("other tansu brokers (others' tests)", lambda pid, cmd: "tansu" in cmd.split(" ")[0]),
        ("other postgres backends (others' tests)", lambda pid, cmd: cmd.startswith("postgres")),
    ]
    totals = {name: 0 for name, _ in parts}
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    previous, start_machine, started = processes(), machine(), time.monotonic()
    while not stopped:
        time.sleep(1)
        current = processes()
        for pid, (ticks, cmd) in current.items():
            # A process born since the last sample used all its ticks inside the window.
            delta = ticks - previous[pid][0] if pid in previous else ticks
            if delta <= 0:
                continue
            for name, matches in parts:
                if matches(pid, cmd):
                    totals[name] += delta
                    break
        previous = current
    seconds = time.monotonic() - started
    busy, iowait, _ = (a - b for a, b in zip(machine(), start_machine))
    share = lambda ticks: ticks / HZ / seconds * 100
    named = sum(totals.values())
    print(f"  cpu: machine busy {share(busy):.0f} % of one core ({os.cpu_count()} cores), iowait {share(iowait):.0f} %,"
          f" over {seconds:.0f} s; by part:")
    for name, ticks in sorted(totals.items(), key=lambda item: -item[1]):
        if ticks:
            print(f"    {share(ticks):5.0f} %  {name}")
    print(f"    {share(max(0, busy - named)):5.0f} %  everything else (others' builds and tests, short-lived processes)")


if __name__ == "__main__":
    main()
