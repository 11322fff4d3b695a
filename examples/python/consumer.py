#!/usr/bin/env python3
"""A downstream consumer of Helio's change topics, in Python with confluent-kafka.

It does what a consumer that wants whole source transactions has to do (docs/consumers.md):
follows every topic of a prefix in a consumer group, drops the duplicates that at-least-once
delivery brings after a capture restart, holds each transaction's events until the END on
`<prefix>.transaction` says they have all arrived, then prints the transaction with its
per-table event counts and applies it, in commit order, to an in-memory copy of the source
tables (key -> row). Tombstones, truncates, snapshot reads and both record forms
(`capture.compatibility: helio` and `debezium`) are handled. Offsets are committed only up to
a point where every transaction read so far was printed, so a restart loses nothing.

Against `make run`'s local stack (in another terminal, from the checkout):

    .local/venv/bin/python examples/python/consumer.py
    .local/venv/bin/python examples/python/consumer.py --max-transactions 10 --group demo-$RANDOM

Options: --brokers (default $HELIO_KAFKA_BROKERS, else 127.0.0.1:59092), --prefix (default
$HELIO_TOPIC_PREFIX, else solar), --group (default helio-example-python), --max-transactions N
(stop after N transactions), --timeout SECONDS (stop then; exit 1 if --max-transactions was not
reached). Ctrl-C stops it. Output, one line each:

    transaction <txId> <commit time> events=<n> <schema.table>=<n> ...
    rows <schema.table>=<rows held> ...          (at exit)
    summary transactions=<n> duplicates=<n> tombstones=<n> snapshot_reads=<n>

Tests/IntegrationTests/ConsumerExampleTests.swift runs it in `make test`.
"""
import argparse
import json
import os
import signal
import sys
import time
from collections import OrderedDict, deque
from datetime import datetime, timezone

from confluent_kafka import Consumer, KafkaException, TopicPartition

# Debezium's form counts a logical decoding message in END under a collection named after a
# Java object (`...LogicalDecodingMessageMonitor$LogicalDecodingMessageId@<hash>`).
MESSAGE_COLLECTION_PREFIX = "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor"
# How many printed transaction ids are remembered to recognise a transaction sent again.
REMEMBERED_TRANSACTIONS = 100_000


class Transaction:
    def __init__(self, tx_id):
        self.tx_id = tx_id
        self.end = None  # the END event, once read
        self.events = {}  # identity -> event: a repeated event lands on its first copy

    def counts(self):
        counts = {}
        for event in self.events.values():
            counts[event["collection"]] = counts.get(event["collection"], 0) + 1
        return counts

    def expected(self):
        counts = {}
        for entry in self.end.get("data_collections") or []:
            name = entry["data_collection"]
            name = "message" if name.startswith(MESSAGE_COLLECTION_PREFIX) else name
            counts[name] = counts.get(name, 0) + entry["event_count"]
        return counts

    def is_complete(self):
        return self.end is not None and self.counts() == self.expected()


class Reassembler:
    """Transactions from the events of every topic, released in commit order."""

    def __init__(self, out, max_transactions=None):
        self.out = out
        self.max_transactions = max_transactions  # print no more than this many
        self.pending = {}  # txId -> Transaction not yet printed
        self.ends = deque()  # txIds in the order of their ENDs: commit order
        self.printed = OrderedDict()  # recently printed txIds, to recognise them sent again
        self.tables = {}  # "schema.table" -> {key: row}
        self.stats = dict(transactions=0, duplicates=0, tombstones=0, snapshot_reads=0)

    def is_idle(self):
        """Nothing read is waiting: every offset consumed so far may be committed."""
        return not self.pending and not self.ends

    def change(self, topic, key, value, is_message_topic):
        if value is None:
            # A tombstone: the delete before it (same key, same partition) removed the row; the
            # tombstone only lets a compacted topic forget the key. It belongs to no transaction.
            self.stats["tombstones"] += 1
            return
        event = unwrap(json.loads(value))
        source = event.get("source") or {}
        event["collection"] = "message" if is_message_topic else f"{source.get('schema')}.{source.get('table')}"
        event["key"] = key
        tx_id = source.get("txId")
        # Debezium's form: snapshot reads and non-transactional messages belong to no transaction
        # (`transaction` is null). Helio's form frames its snapshot as transaction 0.
        if tx_id is None or ("transaction" in event and event["transaction"] is None):
            self.apply(event)
            return
        tx_id = str(tx_id)
        if tx_id in self.printed:
            self.stats["duplicates"] += 1  # a transaction capture sent again after a restart
            return
        transaction = self.pending.setdefault(tx_id, Transaction(tx_id))
        # Identity of a change: table, key and position (docs/contract.md). The op tells a
        # snapshot read from a change at the same position (Debezium's form puts its snapshot
        # reads at the slot's consistent point, where the first change may sit).
        identity = (event["collection"], key, source.get("lsn"), event.get("op") == "r")
        if identity in transaction.events:
            self.stats["duplicates"] += 1
        else:
            transaction.events[identity] = event
        self.release()

    def transaction_event(self, value):
        event = unwrap(json.loads(value))
        if event.get("status") != "END":
            return  # BEGIN says a transaction started; END carries what a consumer needs
        # Helio's id is txId:commit LSN, Debezium's txId:end LSN: the txId joins them to events.
        tx_id = event["id"].split(":")[0]
        if tx_id in self.printed:
            return  # the END of a transaction sent again after a capture restart
        transaction = self.pending.setdefault(tx_id, Transaction(tx_id))
        if transaction.end is not None:
            return  # sent again before this consumer printed it
        transaction.end = event
        self.ends.append(tx_id)
        self.release()

    def is_done(self):
        return self.max_transactions is not None and self.stats["transactions"] >= self.max_transactions

    def release(self):
        while self.ends and self.pending[self.ends[0]].is_complete() and not self.is_done():
            transaction = self.pending.pop(self.ends.popleft())
            self.print_transaction(transaction)
            # Within a transaction, source order is LSN order (a key's changes also keep
            # their order in their partition).
            for event in sorted(transaction.events.values(), key=lambda e: e["source"].get("lsn") or 0):
                self.apply(event)
            self.printed[transaction.tx_id] = True
            if len(self.printed) > REMEMBERED_TRANSACTIONS:
                self.printed.popitem(last=False)
            self.stats["transactions"] += 1

    def print_transaction(self, transaction):
        counts = transaction.counts()
        committed = datetime.fromtimestamp(transaction.end["ts_ms"] / 1000, timezone.utc)
        at = committed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{transaction.end['ts_ms'] % 1000:03d}Z"
        tables = "".join(f" {name}={counts[name]}" for name in sorted(counts))
        print(f"transaction {transaction.tx_id} {at} events={sum(counts.values())}{tables}", file=self.out, flush=True)

    def apply(self, event):
        """One change applied to the in-memory copy of its table."""
        op, name = event.get("op"), event["collection"]
        if op == "m":
            return  # a logical decoding message (Debezium's form) changes no table
        rows = self.tables.setdefault(name, {})
        if op == "t":
            rows.clear()  # Helio's form: a truncate (null key) removes every row committed before it
            return
        key = canonical(event["key"])
        if op == "d":
            rows.pop(key, None)
            return
        if op == "r":
            self.stats["snapshot_reads"] += 1
        before = event.get("before")
        if op == "u" and before:
            # Helio's form: a primary-key change is one update under the new key, the old key
            # in `before` (Debezium's form sends delete + tombstone + create instead).
            old_key = canonical_from(event["key"], before)
            if old_key is not None and old_key != key:
                rows.pop(old_key, None)
        rows[key] = event.get("after")

    def summary(self):
        tables = "".join(f" {name}={len(rows)}" for name, rows in sorted(self.tables.items()) if name != "message")
        print(f"rows{tables}", file=self.out)
        print("summary " + " ".join(f"{name}={count}" for name, count in self.stats.items()), file=self.out, flush=True)


def unwrap(document):
    """A key or value written with Kafka Connect's schemas (capture.debezium_schemas: JsonConverter
    with schemas.enable=true), {"schema": …, "payload": …}, by its payload; anything else as it is."""
    if isinstance(document, dict) and list(document) == ["schema", "payload"]:
        return document["payload"]
    return document


def canonical(key_bytes):
    return json.dumps(unwrap(json.loads(key_bytes)), sort_keys=True, separators=(",", ":"))


def canonical_from(key_bytes, row):
    """The key `row` had, built from the record key's field names; None if it lacks one."""
    names = unwrap(json.loads(key_bytes)).keys()
    if any(name not in row for name in names):
        return None
    return json.dumps({name: row[name] for name in names}, sort_keys=True, separators=(",", ":"))


def topics_of(consumer, prefix):
    """Every topic capture writes under the prefix: tables, transactions, messages (not the DLQ)."""
    try:
        names = consumer.list_topics(timeout=10).topics
    except KafkaException as error:
        sys.exit(f"consumer: cannot list the broker's topics ({error.args[0].str()}): is the broker up? "
                 f"(`make run`, or `deploy/local/stack up`; or --brokers)")
    topics = sorted(n for n in names if n.startswith(prefix + ".") and n != prefix + ".dlq")
    if prefix + ".transaction" not in topics:
        sys.exit(f"consumer: no topic {prefix}.transaction on the broker: is capture running with "
                 f"topics.prefix {prefix}? (`make run` in another terminal, or --prefix)")
    return topics


def main():
    parser = argparse.ArgumentParser(description="Print each committed source transaction read from Helio's topics.")
    parser.add_argument("--brokers", default=os.environ.get("HELIO_KAFKA_BROKERS", "127.0.0.1:59092"))
    parser.add_argument("--prefix", default=os.environ.get("HELIO_TOPIC_PREFIX", "solar"))
    parser.add_argument("--group", default="helio-example-python")
    parser.add_argument("--max-transactions", type=int)
    parser.add_argument("--timeout", type=float)
    args = parser.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "auto.offset.reset": "earliest",  # a new group reads the topics from their start
        "enable.auto.commit": False,  # commit only what has been printed (below)
        # The local broker (Tansu) answers a JoinGroup after about half the session timeout.
        "session.timeout.ms": 6000,
        # librdkafka logs every failed connection attempt; what matters reaches poll() as an error.
        "log_level": 2,
    })
    topics = topics_of(consumer, args.prefix)
    reassembler = Reassembler(sys.stdout, args.max_transactions)

    def revoked(_consumer, _partitions):
        # Transactions span partitions: a member that loses some cannot finish what it holds.
        # Run one member per group; offsets committed so far are where the next one starts.
        reassembler.pending.clear()
        reassembler.ends.clear()

    consumer.subscribe(topics, on_revoke=revoked)

    stopping = []
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    started = time.monotonic()
    next_offsets, committable, committed_at = {}, {}, time.monotonic()

    def commit():
        if committable:
            consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in committable.items()], asynchronous=False)

    timed_out = False
    try:
        while not stopping:
            if reassembler.is_done():
                break
            if args.timeout is not None and time.monotonic() - started > args.timeout:
                timed_out = True
                break
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                if message.error().fatal():
                    raise KafkaException(message.error())
                print(f"consumer: {message.error()}", file=sys.stderr)
                continue
            topic = message.topic()
            if topic == args.prefix + ".transaction":
                reassembler.transaction_event(message.value())
            else:
                reassembler.change(topic, message.key(), message.value(), topic == args.prefix + ".message")
            next_offsets[(topic, message.partition())] = message.offset() + 1
            if reassembler.is_idle():
                committable = dict(next_offsets)
            if time.monotonic() - committed_at >= 1:
                commit()
                committed_at = time.monotonic()
    finally:
        reassembler.summary()
        commit()
        consumer.close()
    if timed_out and args.max_transactions is not None:
        sys.exit(f"consumer: timed out after {args.timeout:g} s with {reassembler.stats['transactions']} of "
                 f"{args.max_transactions} transactions ({len(reassembler.pending)} incomplete)")


if __name__ == "__main__":
    main()
