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

# The 2,000-job window above is one of many: the same comparison on nine
# windows spread over the trace, so no single window stands for Philly.
echo "== Philly, nine 2,000-job windows on 256 GPUs: average JCT (s) and restarts per job =="
printf '%-7s %-16s %-16s %-16s %-16s %s\n' start tide afs-l elastic-tiresias tiresias 'tide/afs-l'
for start in 0 10000 20000 30000 40000 50000 60000 70000 80000; do
  "$cmd" simulate --trace "$traces/philly.csv" --sample 2000 --start "$start" --gpus 256 \
    --policy tide,afs-l,elastic-tiresias,tiresias --json >"$out/philly-window-$start.json"
  python3 - "$out/philly-window-$start.json" "$start" <<'PY'
import json, sys
runs = {r["policy"]: r for r in json.load(open(sys.argv[1]))}
cells = [f'{runs[p]["averageJCT"]:.0f} / {runs[p]["restartsPerJob"]:.2f}' for p in ("tide", "afs-l", "elastic-tiresias", "tiresias")]
print(f'{sys.argv[2]:<7} ' + ' '.join(f'{c:<16}' for c in cells) + f' {runs["tide"]["averageJCT"] / runs["afs-l"]["averageJCT"]:.3f}')
PY
done
