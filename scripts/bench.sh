#!/usr/bin/env bash
# scripts/bench.sh - what `make bench` runs: the hot-path microbenchmarks,
# then the goal table P1-P8 (also bench-results/latest.json). P3 and P4 need
# a broker: unless ESCALATOR_KAFKA_BOOTSTRAP names one, this starts its own
# (separate state and ports from the test broker, full JIT and a 1 GiB heap,
# as a broker under load should run) and stops it afterwards.
# Arguments go to escalator-bench (e.g. --runs 3 --load-secs 120).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'bench.sh: %s\n' "$*" >&2; }

cargo bench --locked -p escalator-bench --bench hot_paths
# The load driver starts these next to itself.
cargo build --release --locked -p escalator-bench -p escalator-ingestor \
    -p escalator-evaluator -p escalator-router -p escalator-aggregator

started=0
if [ -z "${ESCALATOR_KAFKA_BOOTSTRAP:-}" ]; then
    export ESCALATOR_KAFKA_STATE_DIR="${ESCALATOR_KAFKA_BENCH_STATE_DIR:-${ESCALATOR_CACHE_DIR:-$HOME/.cache/escalator}/kafka-bench}"
    export ESCALATOR_KAFKA_PORT="${ESCALATOR_KAFKA_BENCH_PORT:-19192}"
    export ESCALATOR_KAFKA_CONTROLLER_PORT="$((ESCALATOR_KAFKA_PORT + 1))"
    export ESCALATOR_KAFKA_HEAP="${ESCALATOR_KAFKA_HEAP:-1g}"
    export ESCALATOR_KAFKA_JVM_OPTS="${ESCALATOR_KAFKA_JVM_OPTS:--XX:TieredStopAtLevel=4}"
    if ! scripts/kafka.sh status >/dev/null 2>&1; then
        started=1
    fi
    ESCALATOR_KAFKA_BOOTSTRAP="$(scripts/kafka.sh up | tail -n 1)"
    export ESCALATOR_KAFKA_BOOTSTRAP
fi
cleanup() {
    if [ "$started" = 1 ]; then
        scripts/kafka.sh down >/dev/null || true
    fi
}
trap cleanup EXIT
log "Kafka broker at $ESCALATOR_KAFKA_BOOTSTRAP"

target="${CARGO_TARGET_DIR:-target}"
"$target/release/escalator-bench" "$@"
