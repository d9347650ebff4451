#!/usr/bin/env bash
# `make demo`: the local stack as far as it goes today.
#   1. the allocation core: the nine policies side by side on a bundled trace;
#   2. a private RabbitMQ node and SecantusDB server, the training service on a
#      free port, the jobs of examples/jobs submitted with `cmd create`, then
#      `cmd get jobs` and `cmd describe job`; everything stopped at the end.
# The jobs stay Submitted: the schedulers that run them are the next step.
# Expects release builds of cmd and training-service in .build/release.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$root/.build/release"
cd "$root"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "The allocation core: nine policies on traces/synthetic-100.jsonl (100 jobs, 64 GPUs)"
"$bin/cmd" simulate --trace traces/synthetic-100.jsonl --policy all --plot demo-jct.svg
echo "JCT distribution of each policy: demo-jct.svg"

work=$(mktemp -d /tmp/tide-demo.XXXXXX)
service_pid=""
cleanup() {
  if [ -n "$service_pid" ]; then kill -TERM "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  bash "$here/rabbitmq.sh" stop "$work/rabbitmq" >/dev/null 2>&1 || true
  bash "$here/secantusdb.sh" stop "$work/secantusdb" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "Starting a private RabbitMQ node and SecantusDB server"
bash "$here/secantusdb.sh" start "$work/secantusdb" >"$work/mongo-uri" &
mongo=$!
amqp_uri=$(bash "$here/rabbitmq.sh" start "$work/rabbitmq")
wait "$mongo"
mongo_uri=$(cat "$work/mongo-uri")
echo "RabbitMQ:  $amqp_uri"
echo "SecantusDB: $mongo_uri"

step "Starting the training service"
token=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
digest=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
TIDE_API_PASSWORD_SHA256=$digest "$bin/training-service" --host 127.0.0.1 --port 0 \
  --mongo-uri "$mongo_uri" --amqp-uri "$amqp_uri" --default-accelerator local-gpu >"$work/service.log" 2>&1 &
service_pid=$!
port=$(bash "$here/wait-listening.sh" "$work/service.log" "$service_pid")
export TIDE_SERVER="http://127.0.0.1:$port" TIDE_TOKEN="$token"
echo "training-service: $TIDE_SERVER (token in TIDE_TOKEN)"

step "cmd create -f examples/jobs"
"$bin/cmd" create -f examples/jobs

step "cmd get jobs"
"$bin/cmd" get jobs

step "cmd get jobs -o wide"
"$bin/cmd" get jobs -o wide

first=$("$bin/cmd" get jobs | awk 'NR == 2 {print $1}')
step "cmd patch job $first --priority 9"
"$bin/cmd" patch job "$first" --priority 9

step "cmd describe job $first"
"$bin/cmd" describe job "$first"

step "Stopping the training service, RabbitMQ and SecantusDB"
kill -TERM "$service_pid"; wait "$service_pid" || true; service_pid=""
echo "Done. The jobs waited in state Submitted: running them (schedulers, workers) comes next."
