#!/usr/bin/env bash
# The door while a roster import runs: `muster roster import` of N rows
# (default 100,000) in one process and `muster checkin` in others while it
# runs, at random moments (MEAN seconds apart on average, default 1: a very
# busy door), each timed from spawn to exit. Release build. Prints one JSON line
# with the worst and median check-in (see bench/door.py).
#
#   bench/door.sh [ROWS] [MEAN_SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-100000}"
MEAN="${2:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$ROOT" && cargo build -q --release -p muster-cli)
target="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
python3 "$ROOT/bench/gen_roster.py" "$N" "$tmp/roster.csv"
python3 "$ROOT/bench/door.py" "$target/release/muster" "$tmp/roster.csv" "$N" "$MEAN"
