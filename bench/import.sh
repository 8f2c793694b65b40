#!/usr/bin/env bash
# Roster import benchmark: `muster roster import` of N rows (default
# 100,000) against `sqlite3 .import` of the same file into a plain table, in
# the same run. Release builds. Prints one JSON line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-100000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }
(cd "$ROOT" && cargo build -q --release -p muster-cli)
python3 "$ROOT/bench/gen_roster.py" "$N" "$tmp/roster.csv"
muster="${CARGO_TARGET_DIR:-$ROOT/target}/release/muster"

event=$("$muster" --db "$tmp/m.db" --json event create --name bench --starts 2026-12-01 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
t0=$(date +%s.%N)
"$muster" --db "$tmp/m.db" --json roster import --event "$event" "$tmp/roster.csv" > "$tmp/report.json"
t1=$(date +%s.%N)
sqlite3 "$tmp/s.db" "PRAGMA journal_mode=WAL;" ".mode csv" ".import $tmp/roster.csv roster" > /dev/null
t2=$(date +%s.%N)

python3 - "$N" "$t0" "$t1" "$t2" "$tmp/report.json" <<'PY'
import json, sys
n, t0, t1, t2, report = int(sys.argv[1]), *map(float, sys.argv[2:5]), sys.argv[5]
r = json.load(open(report))
assert r["imported"] + r["duplicates"] + r["rejected"] == n, r
muster, sqlite = t1 - t0, t2 - t1
print(json.dumps({"rows": n, "imported": r["imported"], "muster_seconds": round(muster, 3),
                  "sqlite3_import_seconds": round(sqlite, 3), "ratio": round(muster / sqlite, 2)}))
PY
