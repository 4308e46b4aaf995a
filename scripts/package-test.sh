#!/usr/bin/env bash
# Builds the release bundles with the prebuilt Tauri CLI from npm (ui/node_modules/.bin/tauri):
# a .deb and an .rpm (tauri.conf.json: bundle.targets). Then installs the .deb with dpkg, starts
# the installed console under Xvfb on a throwaway sandbox database, checks that it stays up and
# draws its window (a screenshot goes to target/e2e-screenshots/installed-deb.png), and removes
# the package again. Run by scripts/test.sh; needs root (or sudo) for dpkg.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "package: [${SECONDS}s] $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

log "tauri build (release) -> .deb, .rpm"
# The CLI finds tauri.conf.json by searching from the working directory down, so it runs from
# the root; it runs beforeBuildCommand inside ui/ (the folder with package.json).
# ONECARD_UI_BUILT (set by scripts/test.sh, which has just built and checked ui/dist): the
# beforeBuildCommand is dropped from the configuration (a null merged in removes it) rather than
# run a second time.
skip_ui=()
[ -n "${ONECARD_UI_BUILT:-}" ] && [ -f ui/dist/index.html ] && skip_ui=(--config '{"build":{"beforeBuildCommand":null}}')
ui/node_modules/.bin/tauri build --bundles deb,rpm --ci "${skip_ui[@]}" >&2
# The headless CLI creates the throwaway database the installed console opens. The debug build
# `cargo test` made is enough for that (a release build of it would cost CI minutes for nothing).
ONECARD_CLI="$ROOT/target/debug/onecard"
[ -x "$ONECARD_CLI" ] || cargo build --locked -p onecard --bin onecard >&2
DEB="$(ls -t target/release/bundle/deb/*.deb | head -1)"
RPM="$(ls -t target/release/bundle/rpm/*.rpm | head -1)"
log "built $DEB ($(du -h "$DEB" | cut -f1)) and $RPM ($(du -h "$RPM" | cut -f1))"
rpm_ok=$(python3 - "$RPM" <<'PY'
import sys
with open(sys.argv[1], 'rb') as f:
    print('yes' if f.read(4) == b'\xed\xab\xee\xdb' else 'no')
PY
)
[ "$rpm_ok" = yes ] || { log "$RPM is not an RPM package"; exit 1; }

log "dpkg -i $DEB"
as_root dpkg -i "$DEB" >&2
BIN=/usr/bin/onecard-console
[ -x "$BIN" ] || { log "the package did not install $BIN"; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$ONECARD_CLI" --db "$WORK/pkg.db" --json init --sandbox >/dev/null
mkdir -p target/e2e-screenshots
log "starting the installed console under Xvfb"
XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache" \
ONECARD_DB="sqlite://$WORK/pkg.db" \
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$0" & pid=$!
  sleep 8
  if ! kill -0 $pid 2>/dev/null; then echo "package: the installed console exited early" >&2; exit 1; fi
  import -window root "$1" 2>/dev/null || true
  kill -TERM $pid; wait $pid 2>/dev/null || true
' "$BIN" "$ROOT/target/e2e-screenshots/installed-deb.png"
as_root dpkg -r "$(dpkg-deb -f "$DEB" Package)" >&2
log "ok: installed, started, removed"
