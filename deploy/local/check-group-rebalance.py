#!/usr/bin/env python3
"""Does the broker's group coordinator reassign partitions after members are killed?

Shows, with plain confluent-kafka consumers and no Helio, how a broker handles what
ParallelApplyTests and SameTopicsSameWarehouseTests do to apply's consumer group: four
members over apply's seven topics (six of 4 partitions, a transaction topic of 1), then
kill -9 of a member (started again within 1.5 s), a member joining, two more kills and the
joined member leaving, at seeded moments. Then it waits until the live members hold all
25 partitions again and prints how long that took.

On Apache Kafka a killed member is evicted at its session timeout (6 s here), so the group
settles within seconds. Tansu 0.6 (the local stack's broker) waits, in some runs, for the
killed members until the rebalance timeout (`max.poll.interval.ms`) ends: every member holds
nothing meanwhile. Measured 2026-12-07: with librdkafka's 300 s, 2 runs of 6 settled only
after 170 s and 186 s; with 20 s, 6 of 6 within 10 s. Helio's consumers set 60 s
(Sources/HelioKafka/KafkaConsumer.swift).

    .local/venv/bin/python deploy/local/check-group-rebalance.py --seeds 1-6
    .local/venv/bin/python deploy/local/check-group-rebalance.py --seeds 7 --max-poll-interval-ms 300000 --wait 400

Exits 1 when a run's group did not settle within --wait seconds. Runs in parallel (each has
its own topics and group); logs in /tmp/check-group-rebalance/.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time

LOGS = "/tmp/check-group-rebalance"


def member(brokers, group, name, topics, max_poll):
    from confluent_kafka import Consumer

    def log(*words):
        print(time.strftime("%H:%M:%S"), name, *words, flush=True)

    consumer = Consumer({
        "bootstrap.servers": brokers, "group.id": group,
        # apply's settings (KafkaConsumer.base)
        "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
        "partition.assignment.strategy": "range,roundrobin", "enable.auto.commit": False,
        "fetch.wait.max.ms": 10, "max.poll.interval.ms": max_poll,
        **({"debug": "cgrp"} if os.environ.get("CHECK_GROUP_DEBUG") else {}),
    })
    consumer.subscribe(topics,
                       on_assign=lambda c, ps: log("assigned", ",".join(f"{p.topic}[{p.partition}]" for p in ps)),
                       on_revoke=lambda c, ps: log("revoked", len(ps)))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        consumer.poll(0.1)
    consumer.close()
    log("closed")


def holdings(path, names):
    """Partitions each live member holds now, from the members' log."""
    held = {}
    with open(path) as log:
        for line in log:
            words = line.split()
            if len(words) >= 3 and words[1] in names:
                held[words[1]] = len(words[3].split(",")) if words[2] == "assigned" and len(words) > 3 else 0
    return held


def run(seed, args):
    from confluent_kafka.admin import AdminClient, NewTopic
    rng = random.Random(seed)
    prefix = f"rebalance{seed}x{int(time.time())}"
    topics = [f"{prefix}.public.{t}" for t in ("devices", "energy", "energy_compensate", "irradiance", "units", "users")]
    topics.append(f"{prefix}.transaction")
    admin = AdminClient({"bootstrap.servers": args.brokers})
    for future in admin.create_topics([NewTopic(t, 1 if t.endswith(".transaction") else 4, 1) for t in topics]).values():
        future.result(10)
    group = prefix + "-apply"
    path = f"{LOGS}/{prefix}.log"
    log = open(path, "w")

    def start(name):
        return subprocess.Popen([sys.executable, __file__, "--member", name, "--group", group, "--topics", ",".join(topics),
                                 "--brokers", args.brokers, "--max-poll-interval-ms", str(args.max_poll_interval_ms)],
                                stdout=log, stderr=log)

    members = {f"m{i}": start(f"m{i}") for i in range(1, 5)}
    joined = None
    time.sleep(8)
    for step in ("kill", "join", "kill", "kill", "leave"):
        time.sleep(rng.uniform(2, 8))
        if step == "kill":
            victim = rng.choice(sorted(members))
            members[victim].kill()
            members[victim].wait()
            time.sleep(rng.uniform(0.2, 1.5))
            del members[victim]
            members[victim + "r"] = start(victim + "r")
        elif step == "join":
            joined = start("joined")
        else:
            joined.terminate()
            joined.wait()
    started = time.time()
    settled = None
    while time.time() - started < args.wait:
        if sum(holdings(path, set(members)).values()) == 25:
            settled = time.time() - started
            break
        time.sleep(1)
    held = holdings(path, set(members))
    for process in members.values():
        process.terminate()
    for process in members.values():
        process.wait()
    outcome = f"settled {settled:.0f} s after the last change" if settled is not None else f"NOT settled within {args.wait} s"
    print(f"seed {seed}: {outcome}; partitions held {held}; log {path}", flush=True)
    return settled is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brokers", default=os.environ.get("HELIO_KAFKA_BROKERS", "127.0.0.1:59092"))
    parser.add_argument("--seeds", default="1-6", help="a seed or a range, e.g. 7 or 1-6")
    parser.add_argument("--max-poll-interval-ms", type=int, default=60000)
    parser.add_argument("--wait", type=int, default=120, help="seconds to wait for the group to settle")
    parser.add_argument("--member")
    parser.add_argument("--group")
    parser.add_argument("--topics")
    args = parser.parse_args()
    if args.member:
        return member(args.brokers, args.group, args.member, args.topics.split(","), args.max_poll_interval_ms)
    os.makedirs(LOGS, exist_ok=True)
    low, _, high = args.seeds.partition("-")
    seeds = range(int(low), int(high or low) + 1)
    results = {}
    threads = [threading.Thread(target=lambda s=s: results.__setitem__(s, run(s, args))) for s in seeds]
    for thread in threads:
        thread.start()
        time.sleep(2)
    for thread in threads:
        thread.join()
    print(f"{sum(results.values())} of {len(results)} runs settled within {args.wait} s "
          f"(max.poll.interval.ms {args.max_poll_interval_ms})")
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
