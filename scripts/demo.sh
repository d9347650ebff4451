#!/usr/bin/env bash
# `make demo`: Tide's local stack running a few elastic jobs to completion.
#   1. the allocation core: the nine policies side by side on a bundled trace;
#   2. a private RabbitMQ node and SecantusDB server, the training service,
#      the allocator and one scheduler with the local backend (worker
#      processes on this machine), on free ports;
#   3. a 4-GPU node labelled, the jobs of examples/jobs submitted; workers
#      grow and shrink as others arrive and finish; each job's completion
#      time and resizes printed; everything stopped at the end.
# Expects release builds in .build/release (make release).
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
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # Workers outlive their scheduler by design; the demo's end with it.
  pkill -TERM -f "$work/data" 2>/dev/null || true
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

step "Starting the training service, the allocator and the local-gpu scheduler"
token=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
digest=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
export TIDE_JOB_TOKEN_SECRET=$(head -c 18 /dev/urandom | base64)
export TIDE_MONGO_URI=$mongo_uri TIDE_AMQP_URI=$amqp_uri
TIDE_API_PASSWORD_SHA256=$digest "$bin/training-service" --host 127.0.0.1 --port 0 \
  --default-accelerator local-gpu >"$work/service.log" 2>&1 &
pids+=($!)
port=$(bash "$here/wait-listening.sh" "$work/service.log" "${pids[-1]}")
export TIDE_SERVER="http://127.0.0.1:$port" TIDE_TOKEN="$token"
"$bin/resource-allocator" --host 127.0.0.1 --port 0 >"$work/allocator.log" 2>&1 &
pids+=($!)
mkdir -p "$work/data"
"$bin/scheduler" --accelerator local-gpu --host 127.0.0.1 --port 0 --data-dir "$work/data/workers" \
  --checkpoint-dir "$work/data/checkpoints" --api-url "$TIDE_SERVER" --min-resize-interval 20 \
  --tick-seconds 2 --stop-grace 5 >"$work/scheduler.log" 2>&1 &
pids+=($!)
bash "$here/wait-listening.sh" "$work/scheduler.log" "${pids[-1]}" >/dev/null
echo "training-service: $TIDE_SERVER (token in TIDE_TOKEN); logs in $work"

step "cmd label node local-0 tide/accelerator=local-gpu --gpus 4"
"$bin/cmd" label node local-0 tide/accelerator=local-gpu --gpus 4

step "cmd create -f examples/jobs"
"$bin/cmd" create -f examples/jobs

step "cmd get jobs, every 5 s, until every job has finished"
deadline=$((SECONDS + 240))
while :; do
  "$bin/cmd" get jobs
  "$bin/cmd" get nodes | tail -n +2
  left=$("$bin/cmd" get jobs --status Submitted,Waiting,Running 2>/dev/null | tail -n +2 | wc -l)
  [ "$left" -eq 0 ] && break
  if [ $SECONDS -ge $deadline ]; then echo "some jobs did not finish within 4 minutes" >&2; break; fi
  sleep 5
  echo
done

first=$("$bin/cmd" get jobs | awk 'NR == 2 {print $1}')
step "cmd describe job $first"
"$bin/cmd" describe job "$first"

step "Each job: completion time and resizes"
for name in $("$bin/cmd" get jobs | awk 'NR > 1 {print $1}'); do
  "$bin/cmd" get job "$name" -o json >"$work/job.json"
  resizes=$("$bin/cmd" describe job "$name" | grep -cE 'Resized|Preempted' || true)
  python3 - "$work/job.json" "$resizes" <<'PY'
import json, sys
from datetime import datetime
job = json.load(open(sys.argv[1]))
status = job["status"]
def t(key):
    value = status.get(key)
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
done, submitted = t("finishedAt"), t("submittedAt")
jct = f"{(done - submitted).total_seconds():.0f} s" if done and submitted else "-"
print(f"{job['metadata']['name']:<40} {status['state']:<10} completion time {jct:>6}   resizes {sys.argv[2]}")
PY
done

step "Stopping the services, RabbitMQ and SecantusDB"
