#!/usr/bin/env bash
# scripts/test.sh - the whole test suite, as `make test` and CI run it:
# installs the Debian test tools when missing, starts the project's Kafka
# broker (stopping it afterwards if this script started it), runs every test
# in the workspace, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }

scripts/install-deps.sh || log "could not install test tools; tests that need them will fail"

started=0
if ! scripts/kafka.sh status >/dev/null 2>&1; then
    started=1
fi
bootstrap="$(scripts/kafka.sh up | tail -n 1)"
cleanup() {
    if [ "$started" = 1 ]; then
        scripts/kafka.sh down >/dev/null || true
    fi
}
trap cleanup EXIT
export ESCALATOR_KAFKA_BOOTSTRAP="$bootstrap"
log "Kafka broker at $ESCALATOR_KAFKA_BOOTSTRAP"

# Every failure is reported, not just the first test binary's.
cargo test --workspace --locked --no-fail-fast "$@"
