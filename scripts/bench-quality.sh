#!/usr/bin/env bash
# Schedule quality on the public traces: the nine policies on the Pollux job
# tables (64 GPUs, 16 x 4) and on Philly samples. Reads ../shared/traces at
# run time; nothing of it is committed.
set -euo pipefail
traces=${1:-../shared/traces}
cmd=${CMD:-.build/release/cmd}
out=${OUT:-bench-results}
mkdir -p "$out"

for n in 1 2 3 4; do
  echo "== Pollux workload-$n (64 GPUs, 16 x 4) =="
  "$cmd" simulate --trace "$traces/pollux/jobs/workload-$n.jsonl" --policy all --gpus 64 \
    --json >"$out/pollux-$n.json"
  "$cmd" simulate --trace "$traces/pollux/jobs/workload-$n.jsonl" --policy all --gpus 64 \
    --plot "$out/pollux-$n.svg"
done

echo "== Philly, 2,000 jobs on 256 GPUs =="
"$cmd" simulate --trace "$traces/philly.csv" --sample 2000 --start 60000 --gpus 256 --policy all \
  --json >"$out/philly-2000.json"
"$cmd" simulate --trace "$traces/philly.csv" --sample 2000 --start 60000 --gpus 256 --policy all --plot "$out/philly-2000.svg"

echo "== Philly, 20,000 jobs on 2,048 GPUs, tide =="
/usr/bin/time -f "wall %es, max RSS %MkB" "$cmd" simulate --trace "$traces/philly.csv" --sample 20000 --start 60000 \
  --gpus 2048 --policy tide
