#!/usr/bin/env bash
# Runs a private SecantusDB (MongoDB wire protocol) server for tests,
# benchmarks and the local stack.
#
#   secantusdb.sh start DIR [PORT]   start a server with its data in DIR/data
#                                    (PORT 0 or absent: a free loopback port);
#                                    waits until it answers ping, prints its URI
#   secantusdb.sh stop DIR           SIGTERM, wait for it to exit (data kept)
#   secantusdb.sh kill DIR           SIGKILL (data kept), as a crash would
#   secantusdb.sh uri DIR            print the URI of the server in DIR
#
# Always --sync-on-commit: without it a killed server loses acknowledged writes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action=${1:?usage: secantusdb.sh start|stop|kill|uri DIR [PORT]}
dir=${2:?usage: secantusdb.sh start|stop|kill|uri DIR [PORT]}
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

server_binary() {
  if command -v secantusd-py >/dev/null 2>&1; then command -v secantusd-py; return; fi
  local scripts
  scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if [ -x "$scripts/secantusd-py" ]; then echo "$scripts/secantusd-py"; return; fi
  echo "secantusd-py is not installed: run scripts/install-deps.sh" >&2
  return 1
}

uri() { echo "mongodb://127.0.0.1:$(cat "$dir/port")/?directConnection=true"; }

ping() {
  python3 - "$(uri)" <<'PY' >/dev/null 2>&1
import sys, pymongo
pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=500).admin.command("ping")
PY
}

case "$action" in
start)
  binary=$(server_binary)
  if [ ! -f "$dir/port" ]; then
    port=${3:-0}
    [ "$port" = 0 ] && port=$(python3 "$here/free-port.py")
    echo "$port" >"$dir/port"
  fi
  port=$(cat "$dir/port")
  if ! python3 "$here/free-port.py" --check "$port"; then
    echo "port $port is taken: is a server already running in $dir?" >&2
    exit 1
  fi
  setsid "$binary" --host 127.0.0.1 --port "$port" --storage-path "$dir/data" --sync-on-commit \
    --log-level WARNING >>"$dir/server.out" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  for _ in $(seq 1 200); do
    if ping; then uri; exit 0; fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "SecantusDB in $dir did not start; see $dir/server.out" >&2
  exit 1
  ;;
stop | kill)
  [ -f "$dir/pid" ] || exit 0
  pid=$(cat "$dir/pid")
  signal=TERM
  [ "$action" = kill ] && signal=KILL
  kill -s "$signal" "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  ;;
uri)
  uri
  ;;
*)
  echo "unknown action $action" >&2
  exit 2
  ;;
esac
