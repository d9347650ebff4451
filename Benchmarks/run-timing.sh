#!/usr/bin/env bash
# Times one allocation round of Tide's allocator, in release mode.
#
#   ./run-timing.sh            everything: ordo-one/benchmark suite, plain-clock
#                              cross-check, and `cmd allocate` as a process
#   ./run-timing.sh quick      plain-clock cross-check and process timing only
#
# Environment: RUNS (process runs, default 20), BUDGET (seconds per case for the
# plain-clock cross-check, default 3), FILTER (regexp for the benchmark suite).
# Targets: 1k jobs / 512 GPUs under 1 ms, 10k jobs / 4,096 GPUs under 10 ms, one core.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
main="$(cd "$here/.." && pwd)"
runs="${RUNS:-20}"
budget="${BUDGET:-3}"
mode="${1:-all}"
cd "$here"

echo "== building (release)" >&2
swift build -c release --product tide-bench >&2
bench="$here/.build/release/tide-bench"
"$bench" describe

if [ "$mode" != quick ]; then
    echo
    echo "== ordo-one/benchmark suite (wall clock and mallocs per round; sizes: 1k-512 = 1,000 jobs on 64x8 GPUs, 10k-4096 = 10,000 on 512x8)"
    args=(--target AllocationBenchmarks --no-progress --grouping metric --metric wallClock --metric mallocCountTotal)
    if [ -n "${FILTER:-}" ]; then args+=(--filter "$FILTER"); fi
    # The plugin prints build chatter first; keep from the results header on.
    swift package benchmark "${args[@]}" 2>&1 | sed -n '/^Host /,$p' | grep -vE '^\[[0-9]+/[0-9]+\]|^Build'
fi

echo
echo "== plain monotonic clock, same cases (ContinuousClock, ${budget}s per case, sorted samples; ms)"
"$bench" time "$budget"

echo
echo "== cmd allocate as a process (${runs} runs after one warm-up; ms)"
(cd "$main" && swift build -c release --product cmd --scratch-path .build-bench-main >&2)
cmd="$main/.build-bench-main/release/cmd"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "kind      policy            workload   samples  median ms     p99 ms     min ms"
for policy in tide elastic-tiresias; do
    "$bench" dump 1k-512 "$policy" > "$tmp/1k-512-$policy.json"
    "$bench" exec "$cmd" "$tmp/1k-512-$policy.json" "$runs" "$policy" 1k-512
done
