#!/usr/bin/env bash
# Opens the OneCard console on an embedded (SQLite) demo database, on a fresh Debian/Ubuntu
# desktop (and again, safely): installs what it needs, builds the UI and the release binaries,
# creates the demo database on the first run (reused afterwards), then starts the console.
# The demo database is a sandbox: its login screen shows the demo administrator's credentials.
# ONECARD_DEMO_DIR moves it (default: ~/.local/share/onecard-demo).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "run: $*" >&2; }

"$ROOT/scripts/install-deps.sh"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

log "building the UI and the release binaries (the first build takes a few minutes)"
(cd ui && npx vite build --logLevel warn)
cargo build --release --locked --bins >&2

DIR="${ONECARD_DEMO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/onecard-demo}"
DB="$DIR/demo.db"
mkdir -p "$DIR"
if [ ! -f "$DB" ]; then
  log "creating the demo database $DB"
  target/release/onecard --db "$DB" --json demo --seed 1 --scale small >&2
else
  log "using the demo database $DB"
fi
log "starting the console"
ONECARD_DB="sqlite://$DB" exec target/release/onecard-console
