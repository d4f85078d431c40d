#!/usr/bin/env bash
# Creates the topics of a Kafka deployment of the four services: pipeline
# topics co-partitioned by ticket id, one routed topic per domain of the
# routing file, and compacted changelogs. Existing topics are left alone.
#
#   deploy/create-topics.sh [BOOTSTRAP] [PARTITIONS] [REPLICATION]
#   ROUTING=deploy/routing.toml ESCALATOR=target/release/escalator deploy/create-topics.sh kafka:9092 12 3
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bootstrap="${1:-${ESCALATOR_KAFKA_BOOTSTRAP:-127.0.0.1:9092}}"
partitions="${2:-6}"
replication="${3:-1}"
escalator="${ESCALATOR:-}"
if [[ -z "$escalator" ]]; then
  cargo build --quiet --manifest-path "$here/../Cargo.toml" --bin escalator
  escalator="${CARGO_TARGET_DIR:-$here/../target}/debug/escalator"
fi
args=(create-topics --bootstrap "$bootstrap" --partitions "$partitions" --replication "$replication")
if [[ -n "${ROUTING:-}" ]]; then args+=(--routing "$ROUTING"); fi
exec "$escalator" "${args[@]}"
