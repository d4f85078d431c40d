#!/usr/bin/env bash
# scripts/kafka.sh - a real single-node Apache Kafka broker (KRaft mode, no
# ZooKeeper, no Docker) on loopback for the Escalator test suite.
#
# The broker jars come from Maven Central through `mvn` (deploy/kafka/pom.xml)
# and live in a cache directory outside the repository. Tests find the broker
# through one environment variable: ESCALATOR_KAFKA_BOOTSTRAP.
#
# Usage: scripts/kafka.sh <command> [options]
#
#   fetch [--force]   resolve Kafka + runtime deps into the cache (idempotent)
#   up                fetch if needed, start the broker if not running, wait
#                     until it answers, print the bootstrap address (last line
#                     of stdout) and write it to <state dir>/bootstrap
#   down [--wipe]     stop the broker (SIGTERM, bounded wait, then SIGKILL);
#                     --wipe also deletes its data. Safe when not running.
#   reset             same as `down --wipe`
#   restart           down, then up
#   status            print state; exit 0 running+answering, 1 not running,
#                     2 running but not answering
#   env               print `export ESCALATOR_KAFKA_BOOTSTRAP=...`
#                     (use: eval "$(scripts/kafka.sh env)")
#   smoke             check a running broker end to end: topic create/delete,
#                     transactional produce (commit + abort), read_committed
#                     consumer group, coordinator topics' replication settings
#   logs [N]          print the last N (default 100) lines of the broker log
#   paths             print the directories and files in use
#   deps              install missing Debian test tools (scripts/install-deps.sh)
#
# Environment (all optional):
#   ESCALATOR_CACHE_DIR               cache root (default ~/.cache/escalator)
#   ESCALATOR_KAFKA_STATE_DIR         broker config/data/logs
#                                     (default $ESCALATOR_CACHE_DIR/kafka-run)
#   ESCALATOR_KAFKA_PORT              PLAINTEXT listener port (default 19092)
#   ESCALATOR_KAFKA_CONTROLLER_PORT   KRaft controller port (default 19093)
#   ESCALATOR_KAFKA_HEAP              broker max heap (default 512m)
#   ESCALATOR_KAFKA_START_TIMEOUT     seconds to wait for readiness (default 60)
#   ESCALATOR_KAFKA_STOP_TIMEOUT      seconds before SIGKILL on down (default 30)
#   ESCALATOR_KAFKA_WARMUP            1 (default): after formatting fresh
#                                     storage, run the smoke check once so the
#                                     coordinator topics exist; 0 to skip
#   ESCALATOR_KAFKA_JVM_OPTS          extra JVM options for the broker
#                                     (appended, so they win over defaults)
#   ESCALATOR_KAFKA_PROBE             readiness probe: auto (kcat if installed,
#                                     else Java TopicCommand) or java
#   ESCALATOR_JAVA                    java binary (default $JAVA_HOME/bin/java,
#                                     else java on PATH; needs Java 17+)
#
# Diagnostics go to stderr; stdout carries only results (the bootstrap address,
# the env line, status lines), so `BOOT=$(scripts/kafka.sh up)` works.

set -euo pipefail

# Pinned Kafka release (newest 4.x that resolves from Maven Central when this
# was written). ESCALATOR_KAFKA_VERSION overrides it for experiments only.
KAFKA_VERSION_PINNED="4.4.0"
KAFKA_VERSION="${ESCALATOR_KAFKA_VERSION:-$KAFKA_VERSION_PINNED}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
DEPLOY_DIR="$REPO_ROOT/deploy/kafka"

if [[ -z "${HOME:-}" ]]; then
    HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"
    export HOME
fi

CACHE_DIR="${ESCALATOR_CACHE_DIR:-$HOME/.cache/escalator}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
LIBS_DIR="$KAFKA_HOME/libs"
FETCH_MARKER="$KAFKA_HOME/.fetched"
STATE_DIR="${ESCALATOR_KAFKA_STATE_DIR:-$CACHE_DIR/kafka-run}"

HOST="127.0.0.1"
# Below the kernel's ephemeral range (32768-60999 here): a client retrying a
# port in that range while the broker is down can connect to itself and
# hold the port, and the next broker start then fails with "address in use".
PORT="${ESCALATOR_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${ESCALATOR_KAFKA_CONTROLLER_PORT:-19093}"
BOOTSTRAP="$HOST:$PORT"
HEAP="${ESCALATOR_KAFKA_HEAP:-512m}"
START_TIMEOUT="${ESCALATOR_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${ESCALATOR_KAFKA_STOP_TIMEOUT:-30}"
WARMUP="${ESCALATOR_KAFKA_WARMUP:-1}"

CONFIG_DIR="$STATE_DIR/config"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
PID_FILE="$STATE_DIR/kafka.pid"
BOOTSTRAP_FILE="$STATE_DIR/bootstrap"
STATE_MARKER="$STATE_DIR/.escalator-kafka-state"
SERVER_PROPERTIES="$CONFIG_DIR/server.properties"

# ---------------------------------------------------------------- helpers ---

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { printf 'kafka.sh: error: %s\n' "$*" >&2; exit 1; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_port() { [[ "$1" =~ ^[1-9][0-9]{0,4}$ ]] && (("$1" < 65536)); }

validate_settings() {
    if ! is_port "$PORT"; then
        die "ESCALATOR_KAFKA_PORT='$PORT' is not a port number"
    fi
    if ! is_port "$CONTROLLER_PORT"; then
        die "ESCALATOR_KAFKA_CONTROLLER_PORT='$CONTROLLER_PORT' is not a port number"
    fi
    ((PORT != CONTROLLER_PORT)) || die "broker and controller ports must differ (both $PORT)"
    is_uint "$START_TIMEOUT" || die "ESCALATOR_KAFKA_START_TIMEOUT='$START_TIMEOUT' is not a number of seconds"
    is_uint "$STOP_TIMEOUT" || die "ESCALATOR_KAFKA_STOP_TIMEOUT='$STOP_TIMEOUT' is not a number of seconds"
    [[ "$HEAP" =~ ^[0-9]+[kKmMgG]?$ ]] || die "ESCALATOR_KAFKA_HEAP='$HEAP' is not a JVM heap size (e.g. 512m)"
}

now_ms() { date +%s%3N; }

# Take an exclusive lock on FILE for the rest of the process (fd 8 or 9).
# Serialises concurrent fetch/up/down from parallel test runners.
take_lock() {
    local file="$1" fd="$2"
    command -v flock >/dev/null 2>&1 || return 0
    mkdir -p "$(dirname "$file")"
    eval "exec $fd>\"\$file\""
    if ! flock -n "$fd"; then
        log "waiting for lock $file (another kafka.sh is running)"
        flock -w 300 "$fd" || die "could not take lock $file within 300 s"
    fi
}

JAVA=""
find_java() {
    [[ -n "$JAVA" ]] && return 0
    if [[ -n "${ESCALATOR_JAVA:-}" ]]; then
        JAVA="$ESCALATOR_JAVA"
    elif [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
        JAVA="$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        JAVA="$(command -v java)"
    else
        die "no java found: install a JDK 17+ or set ESCALATOR_JAVA / JAVA_HOME"
    fi
    [[ -x "$JAVA" ]] || die "java '$JAVA' is not executable"
    local spec
    spec="$("$JAVA" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = *//p' | head -n1)"
    spec="${spec#1.}"
    is_uint "${spec:-x}" || die "could not determine the version of $JAVA"
    ((spec >= 17)) || die "$JAVA is Java $spec; Kafka $KAFKA_VERSION needs Java 17+ (set ESCALATOR_JAVA)"
}

# Run a Kafka command line tool / class from the cached jars (client JVM
# tuned for fast start-up, quiet logging).
run_tool() {
    "$JAVA" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$DEPLOY_DIR/log4j2-tools.properties" \
        -cp "$LIBS_DIR/*" "$@"
}

# Run deploy/kafka/KafkaCheck.java (source launcher: compiled in memory).
run_check() {
    run_tool "$DEPLOY_DIR/KafkaCheck.java" "$@"
}

pom_digest() { sha256sum "$DEPLOY_DIR/pom.xml" | cut -d' ' -f1; }

is_fetched() {
    [[ -f "$FETCH_MARKER" && -d "$LIBS_DIR" ]] || return 1
    grep -qx "version=$KAFKA_VERSION" "$FETCH_MARKER" &&
        grep -qx "pom=$(pom_digest)" "$FETCH_MARKER" &&
        [[ -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]]
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    # shellcheck disable=SC2016 # $0/$1 are expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# Is PID our broker (a live kafka.Kafka JVM using this state dir's config)?
is_our_broker() {
    local pid="$1" cmdline
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *kafka.Kafka* && "$cmdline" == *"$SERVER_PROPERTIES"* ]]
}

# Print the pid of our running broker; non-zero if none. Falls back to
# scanning /proc when the pid file is missing or stale (e.g. state restored).
broker_pid() {
    local pid=""
    if [[ -f "$PID_FILE" ]]; then
        pid="$(tr -dc '0-9' <"$PID_FILE")"
        if is_our_broker "$pid"; then
            echo "$pid"
            return 0
        fi
    fi
    local d
    for d in /proc/[0-9]*; do
        pid="${d#/proc/}"
        if is_our_broker "$pid"; then
            echo "$pid" >"$PID_FILE" 2>/dev/null || true
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# One readiness probe: a metadata request that must list our broker (node 1).
# Uses kcat when installed (milliseconds), else the Java TopicCommand (~2 s of
# JVM start-up). ESCALATOR_KAFKA_PROBE=java forces the Java client.
broker_answers() {
    local timeout_ms="${1:-5000}"
    if [[ "${ESCALATOR_KAFKA_PROBE:-auto}" != java ]] && command -v kcat >/dev/null 2>&1; then
        timeout $((timeout_ms / 1000 + 5)) \
            kcat -b "$BOOTSTRAP" -L -m $((timeout_ms / 1000 > 0 ? timeout_ms / 1000 : 1)) 2>/dev/null |
            grep -q "broker 1 at $BOOTSTRAP"
        return
    fi
    find_java
    timeout $((timeout_ms / 1000 + 20)) \
        "$JAVA" -Xms32m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dlog4j2.configurationFile="$DEPLOY_DIR/log4j2-tools.properties" \
        -cp "$LIBS_DIR/*" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$BOOTSTRAP" --list \
        >/dev/null 2>&1
}

# Byte offset of server.log when this script started the broker, so failure
# reports show only what this start wrote.
SERVER_LOG_OFFSET=0

tail_logs() {
    local out="$LOG_DIR/kafka.out" log="$LOG_DIR/server.log" errors
    if [[ -s "$out" ]]; then
        printf -- '----- last lines of %s -----\n' "$out" >&2
        tail -n 20 "$out" >&2
    fi
    if [[ -s "$log" ]]; then
        errors="$(tail -c +$((SERVER_LOG_OFFSET + 1)) "$log" | grep -E ' (ERROR|FATAL) ' | tail -n 10 || true)"
        if [[ -n "$errors" ]]; then
            printf -- '----- errors in %s -----\n%s\n' "$log" "$errors" >&2
        fi
        local recent
        recent="$(tail -c +$((SERVER_LOG_OFFSET + 1)) "$log" | tail -n 20)"
        if [[ -n "$recent" ]]; then
            printf -- '----- last lines of %s -----\n%s\n' "$log" "$recent" >&2
        fi
    fi
}

# ------------------------------------------------------------------ fetch ---

cmd_fetch() {
    local force=0
    while (($#)); do
        case "$1" in
        --force) force=1 ;;
        *) die "fetch: unknown option '$1'" ;;
        esac
        shift
    done
    take_lock "$CACHE_DIR/.kafka-$KAFKA_VERSION.lock" 9
    if ((force == 0)) && is_fetched; then
        log "Kafka $KAFKA_VERSION already fetched in $LIBS_DIR"
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install maven)"
    [[ -f "$DEPLOY_DIR/pom.xml" ]] || die "missing $DEPLOY_DIR/pom.xml"
    find_java

    log "fetching Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central into $LIBS_DIR"
    mkdir -p "$KAFKA_HOME"
    local tmp started
    tmp="$(mktemp -d "$KAFKA_HOME/.fetch.XXXXXX")"
    # shellcheck disable=SC2064 # expand $tmp now
    trap "rm -rf '$tmp'" EXIT
    started="$(now_ms)"
    # Maven 3.8 prints stray ANSI resets even in batch/quiet mode: strip them.
    if ! mvn -q -B -Dstyle.color=never -f "$DEPLOY_DIR/pom.xml" \
        -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies \
        -DincludeScope=runtime \
        -DoutputDirectory="$tmp/libs" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' >&2; then
        die "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (see above)"
    fi
    local jar
    for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-clients-$KAFKA_VERSION.jar" \
        "kafka-tools-$KAFKA_VERSION.jar" "kafka-server-$KAFKA_VERSION.jar"; do
        [[ -f "$tmp/libs/$jar" ]] || die "fetch incomplete: $jar missing"
    done
    compgen -G "$tmp/libs/log4j-core-*.jar" >/dev/null || die "fetch incomplete: log4j-core missing"

    rm -rf "$LIBS_DIR" "$FETCH_MARKER"
    mv "$tmp/libs" "$LIBS_DIR"
    rm -rf "$tmp"
    trap - EXIT
    {
        echo "version=$KAFKA_VERSION"
        echo "pom=$(pom_digest)"
        echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$FETCH_MARKER.tmp"
    mv "$FETCH_MARKER.tmp" "$FETCH_MARKER"
    log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1)) in $((($(now_ms) - started) / 1000)) s"
}

# --------------------------------------------------------------------- up ---

write_server_properties() {
    local f="$SERVER_PROPERTIES.tmp"
    cat >"$f" <<EOF
# Generated by scripts/kafka.sh up on every start; edits are overwritten.
# Single-node KRaft (combined broker + controller) for tests, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$DATA_DIR

# Topics
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

# Internal topics: one replica is all there is.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Fast consumer-group joins in tests.
group.initial.rebalance.delay.ms=0

# Small machine: few threads, modest buffers.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
socket.request.max.bytes=104857600

# Keep test data bounded.
log.retention.hours=24
log.retention.bytes=268435456
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
EOF
    mv "$f" "$SERVER_PROPERTIES"
}

format_storage() {
    local cluster_id
    if [[ -s "$STATE_DIR/cluster-id" ]]; then
        cluster_id="$(tr -d '[:space:]' <"$STATE_DIR/cluster-id")"
    else
        cluster_id="$(run_tool kafka.tools.StorageTool random-uuid | tail -n1 | tr -d '[:space:]')"
        [[ -n "$cluster_id" ]] || die "StorageTool random-uuid printed nothing"
        echo "$cluster_id" >"$STATE_DIR/cluster-id"
    fi
    log "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
    run_tool kafka.tools.StorageTool format \
        --config "$SERVER_PROPERTIES" \
        --cluster-id "$cluster_id" \
        --ignore-formatted >&2 ||
        die "kafka.tools.StorageTool format failed"
}

# Wait until PID answers on the bootstrap address. Returns 0 when ready,
# 1 when the deadline passed, 2 when the process is gone.
wait_ready() {
    local pid="$1" deadline="$2"
    while :; do
        kill -0 "$pid" 2>/dev/null || return 2
        if port_open "$PORT" && broker_answers 5000; then
            return 0
        fi
        (($(date +%s) < deadline)) || return 1
        sleep 0.25
    done
}

cmd_up() {
    (($# == 0)) || die "up: unexpected argument '$1'"
    cmd_fetch
    find_java
    take_lock "$STATE_DIR.lock" 8

    local pid rc
    if pid="$(broker_pid)"; then
        if ! grep -qx "listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT" "$SERVER_PROPERTIES"; then
            die "broker (pid $pid) is running with other ports ($(sed -n 's/^listeners=//p' "$SERVER_PROPERTIES")); run '$0 down' first"
        fi
        rc=0
        wait_ready "$pid" $(($(date +%s) + START_TIMEOUT)) || rc=$?
        if ((rc == 0)); then
            log "broker already running (pid $pid) and answering on $BOOTSTRAP"
            echo "$BOOTSTRAP" >"$BOOTSTRAP_FILE"
            echo "$BOOTSTRAP"
            return 0
        elif ((rc == 1)); then
            tail_logs
            die "broker is running (pid $pid) but does not answer on $BOOTSTRAP within ${START_TIMEOUT}s; try: $0 down"
        fi
        log "broker (pid $pid) exited while checking it; starting a new one"
        rm -f "$PID_FILE"
    fi

    local p
    for p in "$PORT" "$CONTROLLER_PORT"; do
        if port_open "$p"; then
            die "port $HOST:$p is already in use by another process (not this broker); free it or set ESCALATOR_KAFKA_PORT / ESCALATOR_KAFKA_CONTROLLER_PORT"
        fi
    done

    if [[ -d "$STATE_DIR" && ! -f "$STATE_MARKER" ]] && [[ -n "$(ls -A "$STATE_DIR" 2>/dev/null)" ]]; then
        die "$STATE_DIR exists, is not empty and was not created by kafka.sh; refusing to use it"
    fi
    mkdir -p "$CONFIG_DIR" "$DATA_DIR" "$LOG_DIR"
    touch "$STATE_MARKER"
    cp "$DEPLOY_DIR/log4j2-broker.properties" "$CONFIG_DIR/log4j2.properties"
    write_server_properties

    local fresh=0
    if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
        format_storage
        fresh=1
    elif [[ -f "$STATE_DIR/kafka-version" && "$(cat "$STATE_DIR/kafka-version")" != "$KAFKA_VERSION" ]]; then
        log "note: data in $DATA_DIR was written by Kafka $(cat "$STATE_DIR/kafka-version"); now running $KAFKA_VERSION (use '$0 reset' if it fails to start)"
    fi
    echo "$KAFKA_VERSION" >"$STATE_DIR/kafka-version"

    [[ -f "$LOG_DIR/kafka.out" ]] && mv -f "$LOG_DIR/kafka.out" "$LOG_DIR/kafka.out.1"
    SERVER_LOG_OFFSET="$(stat -c %s "$LOG_DIR/server.log" 2>/dev/null || echo 0)"
    rm -f "$BOOTSTRAP_FILE"

    # C1 only (TieredStopAtLevel=1): on the 2-core test machines, often busy
    # compiling, this roughly halves start-up; test traffic does not need C2.
    # Append -XX:TieredStopAtLevel=4 via ESCALATOR_KAFKA_JVM_OPTS to undo.
    local -a jvm_opts=(
        -Xms128m "-Xmx$HEAP" -XX:TieredStopAtLevel=1
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
        -Djava.awt.headless=true
        "-Dkafka.logs.dir=$LOG_DIR"
        "-Dlog4j2.configurationFile=$CONFIG_DIR/log4j2.properties"
    )
    if [[ -n "${ESCALATOR_KAFKA_JVM_OPTS:-}" ]]; then
        local -a extra
        read -r -a extra <<<"$ESCALATOR_KAFKA_JVM_OPTS"
        jvm_opts+=("${extra[@]}")
    fi

    log "starting Kafka $KAFKA_VERSION (KRaft, node 1) on $BOOTSTRAP, controller $HOST:$CONTROLLER_PORT, heap $HEAP, state $STATE_DIR"
    local started
    started="$(now_ms)"
    # Detach fully: no stdin, stdout/stderr to a file (so `$(kafka.sh up)` does
    # not wait for the broker), immune to SIGHUP, lock fds closed.
    (
        cd "$STATE_DIR"
        exec 8>&- 9>&-
        exec nohup "$JAVA" "${jvm_opts[@]}" -cp "$LIBS_DIR/*" \
            kafka.Kafka "$SERVER_PROPERTIES" </dev/null >>"$LOG_DIR/kafka.out" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"

    rc=0
    wait_ready "$pid" $(($(date +%s) + START_TIMEOUT)) || rc=$?
    if ((rc == 2)); then
        wait "$pid" 2>/dev/null || true
        rm -f "$PID_FILE"
        tail_logs
        die "broker (pid $pid) exited during start-up; logs in $LOG_DIR"
    elif ((rc != 0)); then
        tail_logs
        log "broker did not answer on $BOOTSTRAP within ${START_TIMEOUT}s; stopping it"
        stop_pid "$pid"
        rm -f "$PID_FILE"
        die "Kafka failed to start; logs in $LOG_DIR"
    fi
    log "broker up (pid $pid) in $((($(now_ms) - started) / 1000)) s"

    if ((fresh == 1)) && [[ "$WARMUP" != 0 ]]; then
        log "fresh storage: running the smoke check once to create __consumer_offsets and __transaction_state"
        if ! run_check smoke "$BOOTSTRAP" >&2; then
            tail_logs
            die "smoke check failed on the fresh broker (still running, pid $pid); see $LOG_DIR"
        fi
    fi

    echo "$BOOTSTRAP" >"$BOOTSTRAP_FILE"
    echo "$BOOTSTRAP"
}

# ------------------------------------------------------------------- down ---

# SIGTERM, bounded wait, then SIGKILL.
stop_pid() {
    local pid="$1" waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= STOP_TIMEOUT * 10)); then
            log "broker (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            local _
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # Reap if it is our child (only when stop_pid is called from cmd_up).
    wait "$pid" 2>/dev/null || true
    ! kill -0 "$pid" 2>/dev/null || die "could not stop broker pid $pid"
}

wipe_state() {
    [[ -e "$STATE_DIR" ]] || return 0
    local resolved
    resolved="$(cd "$STATE_DIR" && pwd -P)"
    case "$resolved" in
    / | "$HOME" | "$(cd "$HOME" && pwd -P)" | "$REPO_ROOT") die "refusing to wipe $resolved" ;;
    esac
    if [[ ! -f "$STATE_MARKER" && -n "$(ls -A "$STATE_DIR")" ]]; then
        die "$STATE_DIR was not created by kafka.sh; refusing to wipe it"
    fi
    rm -rf "$STATE_DIR"
    log "wiped $STATE_DIR"
}

cmd_down() {
    local wipe=0
    while (($#)); do
        case "$1" in
        --wipe) wipe=1 ;;
        *) die "down: unknown option '$1'" ;;
        esac
        shift
    done
    take_lock "$STATE_DIR.lock" 8
    local pid
    if pid="$(broker_pid)"; then
        local started
        started="$(now_ms)"
        log "stopping broker (pid $pid)"
        stop_pid "$pid"
        log "broker stopped in $((($(now_ms) - started) / 1000)) s"
    else
        log "broker not running"
    fi
    rm -f "$PID_FILE" "$BOOTSTRAP_FILE"
    if ((wipe == 1)); then
        wipe_state
    fi
}

# ---------------------------------------------------------- status & misc ---

cmd_status() {
    local pid
    echo "kafka_version=$KAFKA_VERSION"
    if is_fetched; then echo "fetched=yes"; else echo "fetched=no"; fi
    echo "state_dir=$STATE_DIR"
    echo "bootstrap=$BOOTSTRAP"
    if ! pid="$(broker_pid)"; then
        echo "status=stopped"
        return 1
    fi
    echo "pid=$pid"
    if broker_answers 5000; then
        echo "status=running"
        return 0
    fi
    echo "status=not-answering"
    return 2
}

cmd_env() {
    local boot="$BOOTSTRAP"
    if [[ -s "$BOOTSTRAP_FILE" ]] && broker_pid >/dev/null; then
        boot="$(cat "$BOOTSTRAP_FILE")"
    else
        log "note: the broker is not running (start it with: $0 up)"
    fi
    printf 'export ESCALATOR_KAFKA_BOOTSTRAP=%s\n' "$boot"
}

cmd_smoke() {
    is_fetched || die "Kafka not fetched; run: $0 up"
    find_java
    broker_pid >/dev/null || die "broker not running; run: $0 up"
    run_check smoke "$BOOTSTRAP"
}

cmd_logs() {
    local n="${1:-100}"
    is_uint "$n" || die "logs: '$n' is not a line count"
    [[ -f "$LOG_DIR/server.log" ]] || die "no broker log at $LOG_DIR/server.log"
    tail -n "$n" "$LOG_DIR/server.log"
}

cmd_paths() {
    echo "repo_deploy_dir=$DEPLOY_DIR"
    echo "cache_dir=$CACHE_DIR"
    echo "kafka_home=$KAFKA_HOME"
    echo "libs_dir=$LIBS_DIR"
    echo "state_dir=$STATE_DIR"
    echo "server_properties=$SERVER_PROPERTIES"
    echo "server_log=$LOG_DIR/server.log"
    echo "stdout_log=$LOG_DIR/kafka.out"
    echo "pid_file=$PID_FILE"
    echo "bootstrap_file=$BOOTSTRAP_FILE"
}

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
}

main() {
    local cmd="${1:-}"
    [[ $# -gt 0 ]] && shift
    validate_settings
    case "$cmd" in
    fetch) cmd_fetch "$@" ;;
    up | start) cmd_up "$@" ;;
    down | stop) cmd_down "$@" ;;
    reset) cmd_down --wipe ;;
    restart)
        cmd_down
        cmd_up
        ;;
    status) cmd_status ;;
    env) cmd_env ;;
    smoke) cmd_smoke ;;
    logs) cmd_logs "$@" ;;
    paths) cmd_paths ;;
    deps) exec "$SCRIPT_DIR/install-deps.sh" "$@" ;;
    -h | --help | help | "") usage ;;
    *)
        usage
        die "unknown command '$cmd'"
        ;;
    esac
}

main "$@"
