#!/usr/bin/env bash
# The desktop app's end-to-end test, start to finish:
#   1. UI: npm ci, unit tests (vitest), build ui/dist
#   2. the shell: cargo build -p muster-app --features custom-protocol
#      (embeds ui/dist; a plain build would load the Vite dev server)
#   3. node --test tests/e2e/app.test.mjs under xvfb-run, which starts
#      tauri-driver (→ /usr/bin/WebKitWebDriver → the app) itself.
# Needs (Debian): libwebkit2gtk-4.1-dev webkit2gtk-driver xvfb xauth
# fonts-noto-cjk, and tauri-driver (cargo install tauri-driver --locked).
# Set E2E_INSTALL_DEPS=1 to install missing ones. SKIP_BUILD=1 reuses the
# built binary and ui/dist.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

if [[ "${E2E_INSTALL_DEPS:-0}" == 1 ]]; then
  missing=()
  for pkg in libwebkit2gtk-4.1-dev webkit2gtk-driver xvfb xauth fonts-noto-cjk; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  command -v tauri-driver >/dev/null 2>&1 || [[ -x "$HOME/.cargo/bin/tauri-driver" ]] \
    || cargo install tauri-driver --locked --version "^2"
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== ui: install, unit tests, build"
  (cd ui && npm ci --ignore-scripts --no-audit --no-fund && npx vitest run && npm run build)
  echo "== shell: cargo build -p muster-app --features custom-protocol"
  cargo build -p muster-app --features custom-protocol
fi

echo "== e2e: install WebdriverIO"
(cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund)

export MUSTER_APP_BIN="${MUSTER_APP_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/muster-app}"
echo "== e2e: run ($MUSTER_APP_BIN)"
# Under a hang guard (the suite takes about a minute): whatever happens, the
# run ends and says so, with the processes it started.
suite=(timeout -k 30 "${E2E_TIMEOUT_SECS:-900}" node --test --test-force-exit --test-concurrency=1 tests/e2e/app.test.mjs)
if [[ -n "${DISPLAY:-}" ]]; then
  "${suite[@]}"
else
  xvfb-run -a -s "-screen 0 1400x900x24 -nolisten tcp" "${suite[@]}"
fi
