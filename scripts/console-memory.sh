#!/usr/bin/env bash
# Idle memory of the console's process tree by kind of mapping (BENCHMARKS.md, issue 3): starts
# BIN on a throwaway sandbox database, waits, and sums each process's /proc/PID/smaps Rss by what
# is mapped (WebKit and JSC, GTK/GLib and ICU, Mesa, other files, anonymous memory, the binary).
# Run under a display, e.g.:
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- scripts/console-memory.sh target/release/onecard-console
set -euo pipefail
BIN="$(realpath "${1:?usage: console-memory.sh CONSOLE_BINARY [SECONDS]}")"
WAIT="${2:-10}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI="${ONECARD_CLI:-$ROOT/target/release/onecard}"
[ -x "$CLI" ] || CLI="$ROOT/target/debug/onecard"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ONECARD_KEY_FILE="$WORK/data.key" "$CLI" --db "$WORK/m.db" --json init --sandbox >/dev/null
XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache" \
  ONECARD_DB="sqlite://$WORK/m.db" "$BIN" >/dev/null 2>&1 &
pid=$!
sleep "$WAIT"
pids="$pid"
for p in $(pgrep -P "$pid" || true); do pids="$pids $p $(pgrep -P "$p" | tr '\n' ' ' || true)"; done
python3 - $pids <<'PY'
import re, sys
def kind(path):
    if path == '' or path.startswith('['): return 'anonymous'
    low = path.lower()
    if any(k in low for k in ('llvm', 'gallium', '/dri/', 'mesa', 'libgl', 'libegl', 'libgbm', 'libdrm')): return 'mesa'
    if 'webkit' in low or 'javascriptcore' in low: return 'webkit+jsc'
    if any(k in low for k in ('gtk', 'gdk', 'glib', 'gio', 'gobject', 'icu')): return 'gtk/glib/icu'
    if 'onecard' in low: return 'binary'
    return 'other files'
total = {}
for pid in sys.argv[1:]:
    sums, cur = {}, None
    try:
        name = open(f'/proc/{pid}/comm').read().strip()
        for line in open(f'/proc/{pid}/smaps'):
            if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
                parts = line.split()
                cur = kind(parts[5] if len(parts) > 5 else '')
            elif line.startswith('Rss:'):
                sums[cur] = sums.get(cur, 0) + int(line.split()[1])
    except FileNotFoundError:
        continue
    for k, v in sums.items(): total[k] = total.get(k, 0) + v
    print(f"{name:16s} RSS {sum(sums.values()) / 1024:4.0f} MiB: " + ', '.join(f'{k} {v / 1024:.0f}' for k, v in sorted(sums.items(), key=lambda kv: -kv[1])))
print(f"{'tree':16s} RSS {sum(total.values()) / 1024:4.0f} MiB: " + ', '.join(f'{k} {v / 1024:.0f}' for k, v in sorted(total.items(), key=lambda kv: -kv[1])))
PY
kill "$pid"; wait "$pid" 2>/dev/null || true
