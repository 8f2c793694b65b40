#!/usr/bin/env bash
# Door-search benchmark: `muster bench search` on rosters of 1,000 and
# 100,000 trainees (release build, in-process). Prints one JSON line each.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
QUERIES="${QUERIES:-5000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$ROOT" && cargo build -q --release -p muster-cli)
muster="${CARGO_TARGET_DIR:-$ROOT/target}/release/muster"
for n in 1000 100000; do
    python3 "$ROOT/bench/gen_roster.py" "$n" "$tmp/r$n.csv"
    event=$("$muster" --db "$tmp/m.db" --json event create --name "bench $n" --starts 2026-12-01 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    "$muster" --db "$tmp/m.db" --json roster import --event "$event" "$tmp/r$n.csv" > /dev/null
    "$muster" --db "$tmp/m.db" --json bench search --event "$event" --queries "$QUERIES"
    echo
done
