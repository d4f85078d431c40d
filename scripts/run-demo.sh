#!/usr/bin/env bash
# `make run`: the whole product on one machine, no broker. Builds the
# `escalator` binary, generates a demo history once (seeded, canonical JSON
# events), and starts `escalator run` feeding it at an accelerated pace.
# It prints the URLs of the reports and metrics and the directory of the
# routed handoff packets, and keeps serving until Ctrl-C. Run it again to
# continue where it stopped (state lives in the data directory).
#
# Knobs (environment): DEMO_DIR (escalator-data), DEMO_TICKETS (600),
# DEMO_SEED (7), DEMO_SPEED (event seconds per wall second, 14400 = 4 h of
# history per second), DEMO_LISTEN (127.0.0.1:8480), ESCALATOR (a prebuilt
# binary: skips the build), DEMO_EXIT_AT_END=1 (stop once the history is fed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${DEMO_DIR:-$root/escalator-data}"
tickets="${DEMO_TICKETS:-600}"
seed="${DEMO_SEED:-7}"
speed="${DEMO_SPEED:-14400}"
listen="${DEMO_LISTEN:-127.0.0.1:8480}"
escalator="${ESCALATOR:-}"
if [[ -z "$escalator" ]]; then
  # Without the Kafka commands: no librdkafka, so nothing to build beyond Rust.
  echo "make run: building escalator (first time: a few minutes)" >&2
  cargo build --quiet --manifest-path "$root/Cargo.toml" --locked \
    -p escalator-cli --no-default-features --bin escalator
  escalator="${CARGO_TARGET_DIR:-$root/target}/debug/escalator"
fi
mkdir -p "$dir"
events="$dir/demo-events.jsonl"
if [[ ! -s "$events" ]]; then
  "$escalator" generate --seed "$seed" --tickets "$tickets" --out "$events.tmp"
  mv "$events.tmp" "$events"
fi
echo "make run: feeding $(wc -l <"$events") events from $events at ${speed}x" >&2
args=(run --data-dir "$dir/state" --listen "$listen" --events "$events" --speed "$speed")
if [[ "${DEMO_EXIT_AT_END:-0}" == 1 ]]; then args+=(--exit-at-end); fi
exec "$escalator" "${args[@]}"
