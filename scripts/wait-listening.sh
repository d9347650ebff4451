#!/usr/bin/env bash
# Usage: wait-listening.sh LOG PID. Prints the port a service started with
# `--port 0` listens on, read from its log (`listening on 127.0.0.1:PORT`);
# fails with the log if the process ends or 20 s pass first.
set -euo pipefail
log=$1 pid=$2
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  if [ -n "$port" ]; then echo "$port"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "the service did not start:" >&2; cat "$log" >&2; exit 1
