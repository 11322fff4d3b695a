# shellcheck shell=bash disable=SC2034,SC2154
# Shared helpers for bench/capture and bench/apply. Sourced, not run.
# (SC2034/SC2154: variables are set here for, or by, the scripts that source this file.)
#
# Expects: $root (the checkout) set by the caller. Uses the running local stack's settings
# (deploy/local/stack env); the scripts set slot, publication, topics and databases per run.

bench_init() {
    cd "$root" || exit 2
    if ! "$root/deploy/local/stack" status >/dev/null 2>&1; then
        echo "bench: the local stack is not up (deploy/local/stack up)" >&2
        exit 2
    fi
    local stack_env
    stack_env=$("$root/deploy/local/stack" env)
    eval "$stack_env"
    pg_bin=${HELIO_PG_BINDIR:-$(pg_config --bindir)}
    # The built CLI: release unless told otherwise (BENCH_BUILD_CONFIG=debug is only for
    # trying the scripts; its figures mean nothing). BENCH_HELIO_BIN names a binary built
    # elsewhere (another scratch path or checkout).
    export HELIO_BUILD_CONFIG=${BENCH_BUILD_CONFIG:-release}
    helio_bin=${BENCH_HELIO_BIN:-$root/.build/$HELIO_BUILD_CONFIG/helio}
    [[ -x $helio_bin ]] || { echo "bench: $helio_bin is not built (swift build -c $HELIO_BUILD_CONFIG)" >&2; exit 2; }
    work=$(mktemp -d "${TMPDIR:-/tmp}/helio-bench.XXXXXX")
    run_id=$(date -u +%Y%m%d%H%M%S)$$
    started_pids=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# Replaces the database of a postgresql:// URL.
with_db() { echo "${1%/*}/$2"; }

# psql as the superuser: `sql DB 'statement'` prints unaligned, tuples-only output.
sql() {
    local _db=$1; shift
    PGOPTIONS="-c client_min_messages=warning" "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -d "$(with_db "$HELIO_SOURCE_ADMIN_URL" "$_db")" "$@"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# ge A B: A >= B for decimal numbers.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# Peak resident set of a live process in MB (VmHWM), or "?".
peak_rss_mb() {
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024; found = 1 } END { if (!found) printf "?" }' "/proc/$1/status" 2>/dev/null || echo "?"
}

# CPU seconds (user + system) a live process has used, or "?".
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo "?"
}

# Starts `helio SUBCOMMAND` in the background with its log in $2; sets $helio_pid.
# The wrapper execs the binary, so the PID is helio's own.
start_helio() {
    local subcommand=$1 log=$2
    if [[ -n ${BENCH_HELIO_BIN:-} ]]; then
        # As the wrapper runs it: the stack's settings are exported already (bench_init) and
        # helio reads HELIO_PII_KEY_FILE itself; a modern librdkafka first.
        LD_LIBRARY_PATH=${HELIO_LIBRDKAFKA_DIR:-$root/.local/lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
            "$helio_bin" "$subcommand" >"$log" 2>&1 &
    else
        "$root/deploy/local/helio" "$subcommand" >"$log" 2>&1 &
    fi
    helio_pid=$!
    started_pids+=("$helio_pid")
}

# Stops a process we started (SIGTERM, then SIGKILL after $2 seconds, default 40) and reaps it.
stop_pid() {
    local _pid=$1 _grace=${2:-40} _i
    kill -0 "$_pid" 2>/dev/null || { wait "$_pid" 2>/dev/null || true; return 0; }
    kill -TERM "$_pid" 2>/dev/null || true
    for ((_i = 0; _i < _grace * 10; _i++)); do
        kill -0 "$_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$_pid" 2>/dev/null || true
    wait "$_pid" 2>/dev/null || true
}

# Waits until the SQL condition $3 (a boolean query in database $2) is true, polling every
# $4 seconds, failing after $5 seconds or as soon as process $1 exits (0: no process).
# (Locals start with _: a trap running inside this function sees the caller's globals.)
wait_until() {
    local _pid=$1 _db=$2 _condition=$3 _interval=$4 _timeout=$5 _deadline
    _deadline=$(awk -v t="$(now)" -v d="$_timeout" 'BEGIN { printf "%.0f", t + d }')
    while true; do
        [[ $(sql "$_db" -c "$_condition" 2>/dev/null) == t ]] && return 0
        if [[ $_pid != 0 ]] && ! kill -0 "$_pid" 2>/dev/null; then
            echo "bench: process $_pid exited before the condition held" >&2
            return 1
        fi
        if ! ge "$_deadline" "$(now)"; then
            echo "bench: timed out after ${_timeout}s waiting for: $_condition" >&2
            return 1
        fi
        sleep "$_interval"
    done
}

slot_confirmed() {
    sql postgres -c "SELECT coalesce(confirmed_flush_lsn::text, 'none') FROM pg_replication_slots WHERE slot_name = '$1'"
}

# Drops the bench_* replication slots of database $1, waiting up to 5 s for the walsender
# of a consumer that was just stopped to let go of its slot.
drop_bench_slots() {
    local _i
    for ((_i = 0; _i < 50; _i++)); do
        sql postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                         WHERE database = '$1' AND slot_name LIKE 'bench\_%' AND NOT active" >/dev/null 2>&1 || true
        [[ -z $(sql postgres -c "SELECT 1 FROM pg_replication_slots WHERE database = '$1' AND slot_name LIKE 'bench\_%'") ]] && return 0
        sleep 0.1
    done
    echo "bench: replication slots of $1 are still in use; drop them by hand" >&2
    return 1
}

# A fresh source database $1 with the contract's tables, the capture role's grants, the
# publication `bench` of the six tables and full row images on the dimensions, as
# deploy/local/stack provisions `solar`.
create_source_db() {
    local _db=$1
    drop_bench_slots "$_db" 2>/dev/null || true
    sql postgres -c "DROP DATABASE IF EXISTS $_db WITH (FORCE)" >/dev/null
    sql postgres -c "CREATE DATABASE $_db" >/dev/null
    sql "$_db" <"$root/schemas/source.sql" >/dev/null
    sql "$_db" -v part=source <"$root/schemas/roles.sql" >/dev/null
    sql "$_db" >/dev/null <<'SQL'
CREATE PUBLICATION bench FOR TABLE public.users, public.units, public.devices,
    public.energy, public.energy_compensate, public.irradiance;
ALTER TABLE public.users   REPLICA IDENTITY FULL;
ALTER TABLE public.units   REPLICA IDENTITY FULL;
ALTER TABLE public.devices REPLICA IDENTITY FULL;
-- No autovacuum/analyze WAL on the loaded table while consumers are timed: the end of the
-- change range is then exactly the WAL position after the load's last commit.
ALTER TABLE public.energy SET (autovacuum_enabled = false);
SQL
}

create_slot() { sql "$1" -c "SELECT lsn FROM pg_create_logical_replication_slot('$2', 'pgoutput')" >/dev/null; }

# Deletes the run's topics (memory storage of the local broker would otherwise keep them).
delete_topics() {
    local _prefix=$1
    "$root/.local/venv/bin/python" - "$HELIO_KAFKA_BROKERS" "$_prefix" <<'PY' >/dev/null 2>&1 || true
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(sys.argv[2])]
if topics:
    for f in admin.delete_topics(topics, operation_timeout=30).values():
        try: f.result()
        except Exception: pass
PY
}

bench_cleanup() {
    local pid
    for pid in "${started_pids[@]}"; do stop_pid "$pid" 10; done
    if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra || true; fi
    [[ -n ${work:-} && -z ${BENCH_KEEP:-} ]] && rm -rf "$work"
    return 0
}

# A fresh, empty warehouse database (helio apply migrates it) with the warehouse grants.
# BENCH_WAREHOUSE_SETTINGS="name=value …" become its defaults (experiments without a code
# change, e.g. "temp_buffers=256MB enable_hashjoin=off": apply's session picks them up).
fresh_warehouse_db() {
    local _wh=$1 _setting
    sql postgres -c "DROP DATABASE IF EXISTS $_wh WITH (FORCE)" >/dev/null
    sql postgres -c "CREATE DATABASE $_wh" >/dev/null
    sql "$_wh" -v part=warehouse <"$root/schemas/roles.sql" >/dev/null
    for _setting in ${BENCH_WAREHOUSE_SETTINGS:-}; do
        sql postgres -c "ALTER DATABASE $_wh SET ${_setting%%=*} = '${_setting#*=}'" >/dev/null
    done
}

# A slow warehouse on purpose: bench/delay-proxy.py in front of the warehouse's PostgreSQL,
# delaying every byte by RTT_MS / 2 in each direction (a warehouse RTT_MS milliseconds away;
# each statement, each COPY and each COMMIT of apply waits for the round trip). Sets
# apply_warehouse_url, which time_apply gives the appliers instead of HELIO_WAREHOUSE_URL;
# the bench's own queries (progress, counts) still go straight to the server.
start_delay_proxy() {
    local _rtt=$1 _hostport _host _port _i
    _hostport=${HELIO_WAREHOUSE_URL#*@}; _hostport=${_hostport%%/*}
    _host=${_hostport%:*} _port=${_hostport##*:}
    python3 "$root/bench/delay-proxy.py" "$_host" "$_port" "$(awk -v r="$_rtt" 'BEGIN { print r / 2 }')" >"$work/delay-proxy.out" 2>&1 &
    started_pids+=("$!")
    for ((_i = 0; _i < 100; _i++)); do
        [[ -s $work/delay-proxy.out ]] && break
        sleep 0.1
    done
    proxy_port=$(head -n 1 "$work/delay-proxy.out")
    [[ $proxy_port =~ ^[0-9]+$ ]] || { echo "bench: the delay proxy did not start: $(cat "$work/delay-proxy.out")" >&2; exit 2; }
    apply_warehouse_url=${HELIO_WAREHOUSE_URL/@$_hostport/@127.0.0.1:$proxy_port}
}

# Times helio apply (consumer group GROUP, topics of HELIO_TOPIC_PREFIX) from process start
# until WH's dw.fact_energy holds ROWS rows (or $done_condition holds); sets apply_s,
# apply_rate (EVENTS / apply_s) and apply_rss and prints them. $appliers (default 1) runs that
# many apply processes in the group; apply_rss is then the largest member's. BENCH_PROFILE=1
# adds helio's per-batch times and the warehouse functions' times (track_functions).
time_apply() {
    local _wh=$1 _rows=$2 _events=$3 _group=$4 _t0 _t1 _pid _i _rss _condition
    local _appliers=${appliers:-1}
    local -a _pids=()
    if [[ -n ${BENCH_PROFILE:-} ]]; then
        sql postgres -c "ALTER DATABASE $_wh SET track_functions = 'all'" >/dev/null
        export HELIO_LOG_LEVEL=debug
    fi
    # Cheap test first (the identity's high mark), the exact count only once it can be true;
    # a caller whose load also updates and deletes facts sets $done_condition instead.
    _condition=${done_condition:-"SELECT CASE WHEN (SELECT max(energy_fact_id) FROM dw.fact_energy) >= $_rows
                THEN (SELECT count(*) FROM dw.fact_energy) >= $_rows ELSE false END"}
    _t0=$(now)
    # N appliers: N processes in one consumer group, splitting the partitions between them.
    for ((_i = 1; _i <= _appliers; _i++)); do
        # (no metrics endpoint: N processes cannot share one port, and none is read here)
        HELIO_WAREHOUSE_URL=$(with_db "${apply_warehouse_url:-$HELIO_WAREHOUSE_URL}" "$_wh") HELIO_GROUP_ID=$_group HELIO_LOG_FORMAT=text \
            HELIO_METRICS_ADDR=off start_helio apply "$work/helio-apply.log$( ((_i > 1)) && echo ".$_i")"
        _pids+=("$helio_pid")
    done
    _pid=${_pids[0]}
    if ! wait_until "$_pid" "$_wh" "$_condition" 0.25 "${timeout:-3600}"; then
        echo "helio apply did not complete; its log:" >&2; tail -n 30 "$work/helio-apply.log" >&2; exit 2
    fi
    _t1=$(now)
    # CPU the appliers and their warehouse sessions used (the sessions run on this machine:
    # their backends' /proc), for the scaling model in docs/benchmarks.md.
    apply_cpu=0 warehouse_cpu=0
    for _pid in "${_pids[@]}"; do
        _cpu=$(cpu_seconds "$_pid"); [[ $_cpu != "?" ]] && apply_cpu=$(awk -v a="$apply_cpu" -v b="$_cpu" 'BEGIN { print a + b }')
    done
    for _pid in $(sql "$_wh" -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'helio-apply'"); do
        _cpu=$(cpu_seconds "$_pid"); [[ $_cpu != "?" ]] && warehouse_cpu=$(awk -v a="$warehouse_cpu" -v b="$_cpu" 'BEGIN { print a + b }')
    done
    apply_rss=0
    for _pid in "${_pids[@]}"; do
        _rss=$(peak_rss_mb "$_pid")
        [[ $_rss != "?" ]] && ge "$_rss" "$apply_rss" && apply_rss=$_rss
    done
    for _pid in "${_pids[@]}"; do stop_pid "$_pid"; done
    apply_s=$(elapsed "$_t0" "$_t1")
    apply_rate=$(rate "$_events" "$apply_s")
    # How it ran: appliers, apply.parallel (HELIO_APPLY_PARALLEL, passed through from the
    # environment) and the warehouse's added round trip (start_delay_proxy).
    local _how="$_appliers applier$( ((_appliers > 1)) && echo s), apply.parallel ${HELIO_APPLY_PARALLEL:-false}"
    [[ -n ${warehouse_rtt_ms:-} ]] && _how+=", warehouse RTT +$warehouse_rtt_ms ms (delay proxy)"
    echo "helio apply ($_how): $apply_s s, $apply_rate events/s, peak RSS $apply_rss MB$( ((_appliers > 1)) && echo " (the largest member's)")"
    echo "  CPU: appliers $apply_cpu s, their warehouse sessions $warehouse_cpu s; per 1,000 events $(awk -v a="$apply_cpu" -v w="$warehouse_cpu" -v n="$_events" \
        'BEGIN { printf "%.1f ms applier, %.1f ms warehouse", a * 1e6 / n, w * 1e6 / n }')"
    if [[ -n ${BENCH_PROFILE:-} ]]; then
        awk '/batch applied/ { n++; for (i = 1; i <= NF; i++) if ($i ~ /^duration_ms=/) { split($i, a, "="); ms += a[2] } }
             END { printf "  profile: %d batches, %.1f s inside applyBatch (decode, COPY, dw.apply_staged, commit)\n", n, ms / 1000 }' \
            "$work/helio-apply.log"
        sleep 1   # the backend flushes its function statistics on exit
        echo "  profile: warehouse functions (ms; total includes callees):"
        sql "$_wh" -c "SELECT format('    %-28s calls %6s  total %9s  self %9s', funcname, calls, round(total_time), round(self_time))
                       FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 15"
    fi
}
