#!/usr/bin/env bash
# Installs what building and testing the OneCard console needs on Debian 12: system libraries,
# Xvfb + WebKitWebDriver + CJK fonts for the end-to-end tests, Node for ui/, and tauri-driver.
# Idempotent and fast when everything is there (no apt-get, no npm, no cargo install), so CI and
# developers can run it every time. What it does goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAURI_DRIVER_VERSION="2.1.0"
APT_PACKAGES=(
  libwebkit2gtk-4.1-dev libdbus-1-dev pkg-config libssl-dev build-essential curl
  xvfb xauth webkit2gtk-driver fonts-noto-cjk gnome-keyring keyutils dbus
  imagemagick librsvg2-bin postgresql-client
)

log() { echo "install-deps: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    log "need root (or sudo) to run: $*"
    exit 1
  fi
}

apt_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    # `dpkg -s` also knows removed-but-configured packages: require the installed state.
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$pkg")
    fi
  done
  echo "${missing[@]:-}"
}

apt_install() {
  local missing
  missing="$(apt_missing "$@")"
  if [ -z "$missing" ]; then
    log "apt: all of $* installed"
    return
  fi
  log "apt: installing $missing"
  as_root apt-get update -qq >&2
  # shellcheck disable=SC2086 # one word per package
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $missing >&2
}

apt_install "${APT_PACKAGES[@]}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "node/npm not found: installing nodejs and npm from apt"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    nodejs npm >&2
fi
if [ "$(node_major)" -lt 20 ]; then
  log "node $(node --version) is too old: ui/ needs Node >= 20"
  exit 1
fi
log "node $(node --version), npm $(npm --version)"

UI="$ROOT/ui"
if [ ! -d "$UI/node_modules" ] || [ "$UI/package-lock.json" -nt "$UI/node_modules/.package-lock.json" ]; then
  log "npm ci in ui/"
  (cd "$UI" && npm ci --no-audit --no-fund >&2)
else
  log "ui/node_modules is up to date"
fi

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if command -v tauri-driver >/dev/null 2>&1; then
  log "tauri-driver found at $(command -v tauri-driver)"
else
  log "cargo install tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked >&2
fi

log "done"
