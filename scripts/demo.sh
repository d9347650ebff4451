#!/usr/bin/env bash
# `make demo`: Tide's local stack running a few elastic jobs to completion.
#   1. the allocation core: the nine policies side by side on a bundled trace;
#   2. `cmd up`: the supervised local stack (a private RabbitMQ node and
#      SecantusDB server, the training service, the allocator, one scheduler
#      with the local backend, the metrics collector) on free ports;
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
# A stack of its own: its data, ports and tokens stay out of the user's ~/.local/share/tide.
export TIDE_DATA_DIR="$work/stack"
unset TIDE_SERVER TIDE_TOKEN TIDE_AMQP_URI TIDE_MONGO_URI
cleanup() {
  "$bin/cmd" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "cmd up --gpus 4 --accelerator local-gpu (RabbitMQ, SecantusDB, the services and the collector, supervised)"
# Ports 0: any free ones, so the demo never meets another Tide on this machine.
"$bin/cmd" up --gpus 4 --accelerator local-gpu --api-port 0 --scheduler-port 0 --allocator-port 0 \
  --collector-interval 5 --min-resize-interval 20
"$bin/cmd" status

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

step "cmd down"
"$bin/cmd" down
