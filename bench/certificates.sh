#!/usr/bin/env bash
# Certificate benchmark: `muster bench certificates --count N` (release
# build, default 500: generated bilingual names, Ed25519-signed codes, QR
# codes, fonts subset) side by side with the same certificates made by
# Python's reportlab (bench/certificates_reportlab.py: CJK TrueType subset and
# reportlab's QR widget). Prints one JSON line with both and the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
N="${1:-500}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
need_apt fonts-noto-cjk fonts-wqy-microhei fonts-dejavu-core
python3 -c 'import reportlab' 2>/dev/null || python3 -m pip install -q reportlab
(cd "$ROOT" && cargo build -q --release -p muster-cli)
muster="${CARGO_TARGET_DIR:-$ROOT/target}/release/muster"

"$muster" --db "$tmp/m.db" --json bench certificates --count "$N" --out "$tmp/muster.pdf" > "$tmp/muster.json"
python3 "$ROOT/bench/certificates_reportlab.py" "$N" "$tmp/reportlab.pdf" > "$tmp/reportlab.json"

python3 - "$tmp/muster.json" "$tmp/reportlab.json" <<'PY'
import json, sys
m, r = (json.load(open(p)) for p in sys.argv[1:3])
print(json.dumps({
    "count": m["count"],
    "muster": {"seconds": m["seconds"], "bytes": m["bytes"], "qr_version": m["qr_version"], "qr_module_mm": m["qr_module_mm"]},
    "reportlab": {"seconds": r["seconds"], "bytes": r["bytes"]},
    "speedup": round(r["seconds"] / m["seconds"], 1),
    "size_ratio": round(m["bytes"] / r["bytes"], 2),
}))
PY
