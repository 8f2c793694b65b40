# Shared by scripts/launch and scripts/test: install what Muster needs on a
# fresh Debian/Ubuntu machine, skipping what is already there.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt packages, installed only when missing.
need_apt() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> apt-get install ${missing[*]}"
        sudo_ apt-get update -qq
        sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# What building and running the desktop app needs.
APP_APT=(libwebkit2gtk-4.1-dev build-essential pkg-config curl file libssl-dev librsvg2-dev fonts-noto-cjk)

need_rust() {
    command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
}

need_node() {
    command -v npm >/dev/null || need_apt nodejs npm
}

# pyxform in a virtual environment beside the build (the target dir, so a
# warm run finds it), for the XLSForm parity test: made again only when
# scripts/pyxform-requirements.txt changes. Exports MUSTER_PYXFORM_PYTHON,
# which the test runs pyxform with.
need_pyxform() {
    need_apt python3-venv
    local venv="${CARGO_TARGET_DIR:-$ROOT/target}/pyxform-venv"
    local req="$ROOT/scripts/pyxform-requirements.txt"
    if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/.muster-requirements"; then
        echo "==> pyxform venv in $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$req"
        cp "$req" "$venv/.muster-requirements"
    fi
    export MUSTER_PYXFORM_PYTHON="$venv/bin/python"
}

# npm ci in a folder, only when its lockfile changed since the last install.
npm_ci() {
    local dir="$1"
    local stamp="$dir/node_modules/.muster-lock"
    if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
        echo "==> npm ci in ${dir#$ROOT/}"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$dir/package-lock.json" "$stamp"
    fi
}

# The desktop binary, standalone (UI embedded).
build_app() {
    npm_ci "$ROOT/ui"
    echo "==> building the UI"
    (cd "$ROOT/ui" && npm run build --silent)
    echo "==> building the desktop app"
    (cd "$ROOT" && cargo build -p muster-app --features custom-protocol "$@")
}
