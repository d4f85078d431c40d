#!/usr/bin/env bash
# scripts/install-deps.sh - install the Debian packages the Escalator tests
# need, only when they are missing. Idempotent and quiet when all is there.
#
#   kcat        Kafka command line client (produce/consume/metadata in tests)
#   prometheus  for promtool (checking rules and metrics exposition)
#
# Usage: scripts/install-deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is
#
# Runs `apt-get update` at most once, and only if something must be installed.
# Without root (and without passwordless sudo) it says what is missing and
# exits 0 (tests that need a missing tool should then skip or fail clearly).
# Diagnostics go to stderr.

set -euo pipefail

# package:command-that-proves-it-is-installed
DEPS=(
    "kcat:kcat"
    "prometheus:promtool"
)

log() { printf 'install-deps.sh: %s\n' "$*" >&2; }

check_only=0
case "${1:-}" in
"") ;;
--check) check_only=1 ;;
-h | --help)
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 0
    ;;
*)
    log "unknown option '$1' (try --help)"
    exit 2
    ;;
esac

missing=()
for dep in "${DEPS[@]}"; do
    pkg="${dep%%:*}"
    cmd="${dep#*:}"
    if command -v "$cmd" >/dev/null 2>&1; then
        continue
    fi
    missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((check_only == 1)); then
    log "missing: ${missing[*]}"
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${missing[*]}; apt-get is not available here, install them by other means"
    exit 0
fi

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        log "missing: ${missing[*]}; not root and no passwordless sudo, so not installing them"
        log "as root run: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
        exit 0
    fi
fi

# Never let package maintainer scripts start services (the prometheus package
# ships a server we do not want running). Containers usually have a
# policy-rc.d that says so already; add a temporary one if not.
POLICY=/usr/sbin/policy-rc.d
added_policy=0
cleanup() {
    if ((added_policy == 1)); then
        "${SUDO[@]}" rm -f "$POLICY"
    fi
}
trap cleanup EXIT
if [[ ! -e "$POLICY" ]]; then
    printf '#!/bin/sh\n# temporary, from scripts/install-deps.sh\nexit 101\n' |
        "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    added_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt_log="$(mktemp)"
trap 'cleanup; rm -f "$apt_log"' EXIT
# Run a command with its (long) output in $apt_log; show the tail on failure.
quietly() {
    if ! "$@" >"$apt_log" 2>&1; then
        tail -n 40 "$apt_log" >&2
        log "error: '$*' failed"
        exit 1
    fi
}
log "installing: ${missing[*]}"
log "running: apt-get update"
quietly "${SUDO[@]}" apt-get update
log "running: apt-get install -y --no-install-recommends ${missing[*]}"
quietly "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"

still=()
for dep in "${DEPS[@]}"; do
    command -v "${dep#*:}" >/dev/null 2>&1 || still+=("${dep%%:*} (${dep#*:})")
done
if ((${#still[@]} > 0)); then
    log "error: still missing after install: ${still[*]}"
    exit 1
fi
log "installed: ${missing[*]}"
