# shellcheck shell=bash disable=SC2034,SC2154
# Debezium in a bench (bench/capture): Debezium Server's Kafka sink on the embedded engine
# (DebeziumKafkaSink, see docs/debezium-conformance.md) run as a JVM of its own, so that its
# peak RSS is the JVM's. Sourced after bench/lib.sh (uses $root, $work, $pg_bin, sql,
# started_pids, stop_pid, now, ge, peak_rss_mb, cpu_seconds).
#
# What is set and why (docs/benchmarks.md, "bench/capture against Debezium"):
# - the connector's default max.batch.size 2048 and max.queue.size 8192, written out;
# - offset.flush.interval.ms BENCH_DEBEZIUM_FLUSH_MS (default 0: offsets committed after
#   every batch). Debezium confirms an LSN to the slot only when it commits its offsets;
#   the embedded engine's default of 60 s would add up to a minute to the wait for the
#   slot's confirmed_flush_lsn (1000 ms costs Debezium the same CPU: docs/benchmarks.md);
# - provide.transaction.metadata=true and JSON without schemas: the records helio's
#   `capture.compatibility: debezium` publishes (the conformance harness's settings);
# - the producer: kafka-clients' defaults (acks=all, idempotence, linger.ms 5, batch.size
#   16 KB) and compression.type=lz4, Helio's producer default;
# - the JVM's default heap (a quarter of RAM) unless BENCH_DEBEZIUM_JAVA_OPTS says otherwise.

debezium_init() {
    debezium_classpath=$("$root/bench/debezium/install") || exit 2
    debezium_flush_ms=${BENCH_DEBEZIUM_FLUSH_MS:-0}
    debezium_java_opts=${BENCH_DEBEZIUM_JAVA_OPTS:-}
}

# Writes $1/engine.properties and $1/producer.properties for a connector reading slot $3 of
# the database of URL $2 (publication `bench`) into topics $4.*.
debezium_properties() {
    local _dir=$1 _url=$2 _slot=$3 _prefix=$4 _user _password _host _port _db
    [[ $_url =~ ^postgres(ql)?://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/(.+)$ ]] || {
        echo "bench: cannot read user, password, host, port and database from the source URL" >&2; exit 2; }
    _user=${BASH_REMATCH[2]} _password=${BASH_REMATCH[3]} _host=${BASH_REMATCH[4]} _port=${BASH_REMATCH[5]} _db=${BASH_REMATCH[6]}
    mkdir -p "$_dir"
    (umask 077; cat >"$_dir/engine.properties" <<EOF
name=bench-debezium
connector.class=io.debezium.connector.postgresql.PostgresConnector
offset.storage=org.apache.kafka.connect.storage.FileOffsetBackingStore
offset.storage.file.filename=$_dir/offsets.dat
offset.flush.interval.ms=$debezium_flush_ms
database.hostname=$_host
database.port=$_port
database.user=$_user
database.password=$_password
database.dbname=${_db%%\?*}
topic.prefix=$_prefix
plugin.name=pgoutput
slot.name=$_slot
publication.name=bench
table.include.list=public.users,public.units,public.devices,public.energy,public.energy_compensate,public.irradiance
snapshot.mode=initial
provide.transaction.metadata=true
key.converter.schemas.enable=false
value.converter.schemas.enable=false
max.batch.size=2048
max.queue.size=8192
EOF
    )
    cat >"$_dir/producer.properties" <<EOF
bootstrap.servers=$HELIO_KAFKA_BROKERS
client.id=bench-debezium
compression.type=lz4
EOF
}

# Starts the sink with the properties of directory $1, its log in $1/$2.log; sets
# $debezium_pid (the JVM's own PID: java is started directly).
start_debezium() {
    local _dir=$1 _name=$2
    rm -f "$_dir/status.json"
    # shellcheck disable=SC2086 # the options are words on purpose
    java $debezium_java_opts -cp "$debezium_classpath" \
        "-Dlog4j2.configurationFile=$root/bench/debezium/log4j2.properties" \
        DebeziumKafkaSink run "$_dir/engine.properties" "$_dir/producer.properties" "$_dir/status.json" \
        >"$_dir/$_name.log" 2>&1 &
    debezium_pid=$!
    started_pids+=("$debezium_pid")
}

# A field of the sink's status file ({"records": N, "batches": N, …, "last_snapshot": "…"}),
# or empty; read in bash, not by a program started at every poll.
debezium_status() {
    local _status
    [[ -r $1/status.json ]] || return 0
    _status=$(<"$1/status.json")
    [[ $_status =~ \"$2\":\ \"?([^\",}]*) ]] && echo "${BASH_REMATCH[1]}"
    return 0
}

# Before the load: the connector takes its initial snapshot (the seeded user, unit and
# device: $2 rows) from its slot and stores its offsets, so that the timed run streams the
# load from the slot without snapshotting it. Fails when no offsets were stored.
debezium_warm_up() {
    local _dir=$1 _rows=$2 _i
    start_debezium "$_dir" warm-up
    for ((_i = 0; _i < 1200; _i++)); do
        if [[ $(debezium_status "$_dir" last_snapshot) == last ]] && ge "$(debezium_status "$_dir" records)" "$_rows" &&
            grep -q "Starting streaming" "$_dir/warm-up.log"; then
            break
        fi
        kill -0 "$debezium_pid" 2>/dev/null || { echo "bench: Debezium's snapshot failed; its log:" >&2; tail -n 30 "$_dir/warm-up.log" >&2; exit 2; }
        sleep 0.1
    done
    sleep 1
    stop_pid "$debezium_pid" 60
    [[ -s $_dir/offsets.dat ]] || { echo "bench: Debezium stored no offsets after its snapshot; see $_dir/warm-up.log" >&2; exit 2; }
}

# Times the connector from JVM start until slot $2's confirmed_flush_lsn >= $3 (Debezium
# confirms when it commits offsets, after Kafka acknowledged the batch). Sets debezium_s,
# debezium_first_s (start until the first batch was acknowledged: the JVM's and the
# engine's start), debezium_rss (the JVM's VmHWM) and debezium_cpu (its CPU seconds).
time_debezium() {
    local _dir=$1 _slot=$2 _end=$3 _timeout=$4 _t0 _t1 _deadline
    _t0=$(now)
    start_debezium "$_dir" timed
    debezium_first_s=
    _deadline=$(awk -v t="$_t0" -v d="$_timeout" 'BEGIN { printf "%.0f", t + d }')
    while true; do
        if [[ -z $debezium_first_s ]] && ge "$(debezium_status "$_dir" records)" 1; then
            debezium_first_s=$(elapsed "$_t0" "$(now)")
        fi
        [[ $(sql postgres -c "SELECT coalesce(confirmed_flush_lsn >= '$_end', false) FROM pg_replication_slots WHERE slot_name = '$_slot'") == t ]] && break
        if ! kill -0 "$debezium_pid" 2>/dev/null || ! ge "$_deadline" "$(now)"; then
            echo "bench: Debezium did not reach $_end (confirmed: $(slot_confirmed "$_slot")); its log:" >&2
            tail -n 30 "$_dir/timed.log" >&2
            exit 2
        fi
        sleep 0.2
    done
    _t1=$(now)
    debezium_rss=$(peak_rss_mb "$debezium_pid")
    debezium_cpu=$(cpu_seconds "$debezium_pid")
    stop_pid "$debezium_pid" 60
    debezium_s=$(elapsed "$_t0" "$_t1")
    : "${debezium_first_s:=$debezium_s}"
}

# Debezium's topics $1.public.<table> for the tables $2…, and $1.transaction, made as helio
# capture makes its own (4 partitions, the transaction topic 1; retention.ms=-1): Debezium
# Server makes none, and the broker would give each 4 partitions on the first write.
debezium_topics() {
    "$root/.local/venv/bin/python" - "$HELIO_KAFKA_BROKERS" "$@" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
brokers, prefix, tables = sys.argv[1], sys.argv[2], sys.argv[3:]
topics = {f"{prefix}.public.{t}": 4 for t in tables} | {f"{prefix}.transaction": 1}
admin = AdminClient({"bootstrap.servers": brokers})
for name, future in admin.create_topics([NewTopic(n, num_partitions=p, replication_factor=1, config={"retention.ms": "-1"})
                                         for n, p in topics.items()], operation_timeout=15).items():
    future.result()
PY
}
