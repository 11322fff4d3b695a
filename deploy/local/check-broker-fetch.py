#!/usr/bin/env python3
"""Does the broker's fetch slow down as a partition's log grows?

bench/latency's p99 grows through a run at 20,000 changes/s, and commit→Kafka grows with it
(docs/benchmarks.md). Tansu 0.6's memory storage answers each fetch by listing every batch
object the partition holds (tansu-storage/src/dynostore.rs, `fetch`), so a fetch should cost
more the longer the log. This measures it without Helio:
- it writes STEPS rounds of BATCHES produce requests of 100 small records each to one
  partition of a new topic;
- after each round, it times 20 fetches at the partition's end: from produce of one record
  to its receipt by a consumer that is already waiting there.

    .local/venv/bin/python deploy/local/check-broker-fetch.py --steps 6 --batches 2000

Prints, per round, the batches in the partition and the median and p90 produce→receive
milliseconds. Apache Kafka finds a fetch's offset in a segment index, so its figures stay flat.
"""
import argparse
import os
import statistics
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brokers", default=os.environ.get("HELIO_KAFKA_BROKERS", "127.0.0.1:59092"))
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batches", type=int, default=2000, help="produce requests per round (100 records each)")
    args = parser.parse_args()
    topic = f"fetch-growth-{int(time.time())}"
    admin = AdminClient({"bootstrap.servers": args.brokers})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(10)
    producer = Producer({"bootstrap.servers": args.brokers, "linger.ms": 0, "batch.num.messages": 100})
    consumer = Consumer({"bootstrap.servers": args.brokers, "group.id": topic, "fetch.wait.max.ms": 10,
                         "enable.auto.commit": False})
    batches = 0
    print("batches in the partition | produce→receive p50 ms | p90 ms")
    for _ in range(args.steps):
        for _ in range(args.batches):
            for _ in range(100):
                producer.produce(topic, b"x" * 100, partition=0)
            producer.flush()   # (one produce request, one batch object in Tansu's store)
        batches += args.batches
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        consumer.assign([TopicPartition(topic, 0, high)])
        samples = []
        for _ in range(20):
            sent = time.monotonic()
            producer.produce(topic, b"probe", partition=0)
            producer.flush()
            while True:
                message = consumer.poll(5)
                if message is not None and message.error() is None and message.value() == b"probe":
                    break
            samples.append((time.monotonic() - sent) * 1000)
            batches += 1
        samples.sort()
        print(f"{batches:>24} | {statistics.median(samples):>22.1f} | {samples[int(len(samples) * 0.9)]:.1f}", flush=True)
    consumer.close()


if __name__ == "__main__":
    main()
