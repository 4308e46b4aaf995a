#!/usr/bin/env bash
# Runs every test of OneCard on a fresh Debian/Ubuntu machine (and again, safely):
#   1. installs what the tests need (scripts/install-deps.sh: apt packages, npm deps, tauri-driver);
#   2. the UI: type check, unit tests (Vitest), production build (the app embeds ui/dist);
#   3. Rust: formatting, then every test of the workspace, linted by clippy as it builds (warnings
#      are errors): the core on SQLite and PostgreSQL, the CLI through its binary, the shell
#      (error JSON, fresh TypeScript bindings) and the end-to-end tests on the real webview under
#      Xvfb, inside a D-Bus session with an unlocked GNOME keyring (the OS keychain the product
#      uses);
#   4. packaging: `tauri build` makes the .deb and .rpm; the .deb is installed and started.
# PostgreSQL must listen on 127.0.0.1:5432 (ONECARD_TEST_PG overrides); with CI set, tests that
# need PostgreSQL, the webview or the keychain fail instead of skipping.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Each line carries the seconds since the start, so a slow CI run shows which phase to look at.
log() { echo "test: [${SECONDS}s] $*" >&2; }

"$ROOT/scripts/install-deps.sh"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Small debug info keeps target/ and link times down on 2-core machines (BUILD-NOTES).
export CARGO_PROFILE_DEV_DEBUG=0

log "ui: type check, unit tests, build"
(cd ui && npm run --silent typecheck && npm test --silent && npx vite build --logLevel warn)
# The packaging stage's `tauri build` then embeds this build instead of running `npm run build`
# (its beforeBuildCommand) again: ~25 s of a CI run.
export ONECARD_UI_BUILT=1

log "rust: format"
cargo fmt --all --check

log "rust: lint (clippy) and tests (core on SQLite + PostgreSQL, CLI, shell, end to end)"
# Lints ride on the test build: as the workspace wrapper, clippy-driver compiles the workspace's
# own crates and lints them, warnings as errors (what `cargo clippy` does underneath), while each
# dependency is built once. A separate `cargo clippy` would compile every dependency a second
# time, check-only: 7 of a cold CI run's minutes on 2 cores.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# Old test databases of interrupted runs would pile up: drop them first (best effort).
psql "${ONECARD_TEST_PG:-postgres://127.0.0.1:5432/test}" -Atc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'onecard_t_%'" 2>/dev/null |
  while read -r db; do psql "${ONECARD_TEST_PG:-postgres://127.0.0.1:5432/test}" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- keyctl session - bash -c '
  echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --workspace --locked
'

unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

log "packaging: .deb and .rpm, install the .deb and start it"
"$ROOT/scripts/package-test.sh"
log "all tests passed"
