#!/usr/bin/env bash
# Runs a private RabbitMQ node for tests, benchmarks and the local stack.
#
#   rabbitmq.sh start DIR [PORT]   start a node with its data in DIR (PORT 0 or
#                                  absent: a free loopback port); waits until it
#                                  accepts AMQP, then prints its URI
#   rabbitmq.sh stop DIR           stop it cleanly (data kept)
#   rabbitmq.sh kill DIR           SIGKILL it (data kept), as a crash would
#   rabbitmq.sh uri DIR            print the URI of the node in DIR
#
# Each node has its own node name, RABBITMQ_NODE_PORT and RABBITMQ_DIST_PORT,
# and a data directory owned by user `rabbitmq`; a restart with the same DIR
# reuses the port, the node name and the durable queues.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action=${1:?usage: rabbitmq.sh start|stop|kill|uri DIR [PORT]}
dir=${2:?usage: rabbitmq.sh start|stop|kill|uri DIR [PORT]}
bin=/usr/lib/rabbitmq/bin
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

node_env() {
  local port dist
  port=$(cat "$dir/port")
  dist=$(cat "$dir/dist-port")
  echo "HOME=$dir" "RABBITMQ_NODENAME=tide-$port@localhost" "RABBITMQ_USE_LONGNAME=false" \
    "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" "RABBITMQ_NODE_PORT=$port" "RABBITMQ_DIST_PORT=$dist" \
    "RABBITMQ_MNESIA_BASE=$dir/mnesia" "RABBITMQ_LOG_BASE=$dir/log" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" "RABBITMQ_CONFIG_FILE=$dir/rabbitmq" \
    "RABBITMQ_PID_FILE=$dir/pid" "ERL_EPMD_ADDRESS=127.0.0.1"
}

as_rabbitmq() { runuser -u rabbitmq -- env $(node_env) "$@"; }

case "$action" in
start)
  if [ ! -x "$bin/rabbitmq-server" ]; then
    echo "rabbitmq-server is not installed: run scripts/install-deps.sh" >&2
    exit 1
  fi
  if [ ! -f "$dir/port" ]; then
    port=${3:-0}
    [ "$port" = 0 ] && port=$(python3 "$here/free-port.py")
    python3 "$here/free-port.py" >"$dir/dist-port"
    echo "$port" >"$dir/port"
  fi
  port=$(cat "$dir/port")
  if python3 "$here/free-port.py" --check "$port" >/dev/null 2>&1; then :; else
    echo "port $port is taken: is a node already running in $dir?" >&2
    exit 1
  fi
  echo '[].' >"$dir/enabled_plugins"
  # Small disk and memory thresholds: test machines are small and shared.
  printf '%s\n' 'disk_free_limit.absolute = 50MB' 'vm_memory_high_watermark.relative = 0.6' \
    'log.console = false' 'log.file.level = warning' >"$dir/rabbitmq.conf"
  mkdir -p "$dir/mnesia" "$dir/log"
  chown -R rabbitmq:rabbitmq "$dir"
  chmod 755 "$dir"
  # The node runs as user rabbitmq: every folder above DIR must let it through.
  parent="$dir"
  while [ "$parent" != / ]; do
    parent=$(dirname "$parent")
    runuser -u rabbitmq -- test -x "$parent" || chmod o+x "$parent"
  done
  as_rabbitmq setsid "$bin/rabbitmq-server" >"$dir/server.out" 2>&1 </dev/null &
  server=$!
  # Ready when the node has booted its applications (about 7 s).
  for _ in $(seq 1 120); do
    if ! kill -0 "$server" 2>/dev/null; then break; fi
    if as_rabbitmq "$bin/rabbitmqctl" -q -n "tide-$port@localhost" await_startup --timeout 5 >/dev/null 2>&1; then
      echo "amqp://guest:guest@127.0.0.1:$port/"
      exit 0
    fi
    sleep 0.5
  done
  echo "RabbitMQ in $dir did not start; see $dir/server.out and $dir/log" >&2
  exit 1
  ;;
stop)
  [ -f "$dir/port" ] || exit 0
  port=$(cat "$dir/port")
  as_rabbitmq "$bin/rabbitmqctl" -q -n "tide-$port@localhost" stop "$dir/pid" >/dev/null 2>&1 || true
  ;;
kill)
  [ -f "$dir/pid" ] || exit 0
  pid=$(cat "$dir/pid")
  kill -9 "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  ;;
uri)
  echo "amqp://guest:guest@127.0.0.1:$(cat "$dir/port")/"
  ;;
*)
  echo "unknown action $action" >&2
  exit 2
  ;;
esac
