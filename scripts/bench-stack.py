#!/usr/bin/env python3
"""Issue 5's numbers on the local stack (`make bench-stack`).

Starts a private stack with `cmd up` (its own data directory, free ports) and
measures, from outside, what a user would time:

1. submission to exec: `POST /v1/jobs` until the first worker's command has
   been exec'd (the shim's `started.json`), one job at a time on an idle
   stack;
2. resize latency: from the scheduler's decision (the time it marks the old
   workers as asked to stop) to the last new worker exec'd, beside the time
   the old workers took to stop (they take about 200 ms to checkpoint);
3. a scheduler round with N waiting jobs, allocator RPC included: rounds
   triggered one at a time by a node change, each timed by the scheduler's
   own round histogram (sum and count deltas); and the scheduler's resident
   memory afterwards.

Usage: bench-stack.py CMD [--submissions 200] [--resizes 10] [--waiting 1000,10000]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import pymongo


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class Stack:
    def __init__(self, cmd, root, policy, gpus):
        self.cmd, self.root = cmd, root
        self.env = dict(os.environ, TIDE_DATA_DIR=root, HOME=root)
        for key in ("TIDE_SERVER", "TIDE_TOKEN", "TIDE_AMQP_URI", "TIDE_MONGO_URI", "TIDE_CONFIG"):
            self.env.pop(key, None)
        self.run("up", "--gpus", str(gpus), "--accelerator", "bench-gpu", "--policy", policy,
                 "--api-port", "0", "--scheduler-port", "0", "--allocator-port", "0",
                 "--min-resize-interval", "0", "--tick-seconds", "3600", "--collector-interval", "3600")
        config = json.load(open(os.path.join(root, "stack.json")))
        self.api = f"http://127.0.0.1:{config['apiPort']}"
        self.scheduler = f"http://127.0.0.1:{config['schedulerPort']}"
        self.token = config["apiToken"]
        self.mongo = pymongo.MongoClient(f"mongodb://127.0.0.1:{config['mongoPort']}/?directConnection=true").tide
        self.workers = os.path.join(root, "local", "workers")

    def run(self, *args):
        subprocess.run([self.cmd, *args], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def down(self):
        subprocess.run([self.cmd, "down"], env=self.env, stdout=subprocess.DEVNULL)

    def request(self, method, path, body=None, base=None):
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request((base or self.api) + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/yaml"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()

    def create(self, yaml):
        return json.loads(self.request("POST", "/v1/jobs", yaml))["metadata"]["name"]

    def state(self, name):
        return json.loads(self.request("GET", f"/v1/jobs/{name}"))["status"]["state"]

    def record(self, name, run, index, kind):
        path = os.path.join(self.workers, f"{name}.{run}.{index}", kind)
        try:
            with open(path) as file:
                text = file.read()
            return json.loads(text) if kind.endswith(".json") else float(text)
        except (OSError, ValueError):
            return None

    def wait_for(self, check, timeout=60, interval=0.002):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = check()
            if value is not None:
                return value
            time.sleep(interval)
        raise TimeoutError("timed out")

    def pid(self, part):
        status = json.load(open(os.path.join(self.root, "status.json")))
        return next(p["pid"] for p in status["parts"] if p["name"] == part)

    def held_jobs(self):
        text = self.request("GET", "/metrics", base=self.scheduler).decode()
        return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("tide_scheduler_jobs{"))

    def rounds(self):
        """(seconds summed over rounds, rounds, {phase: seconds summed}) from the scheduler's /metrics."""
        text = self.request("GET", "/metrics", base=self.scheduler).decode()
        total = count = 0.0
        phases = {}
        for line in text.splitlines():
            if line.startswith("tide_scheduler_round_duration_seconds_sum"):
                total = float(line.split()[-1])
            elif line.startswith("tide_scheduler_round_duration_seconds_count"):
                count = float(line.split()[-1])
            elif line.startswith("tide_scheduler_round_phase_duration_seconds_sum"):
                phase = re.search(r'phase="(\w+)"', line).group(1)
                phases[phase] = float(line.split()[-1])
        return total, count, phases


def job(name, command, min_workers=1, max_workers=1, priority=0, requested=None):
    words = ", ".join(json.dumps(word) for word in command)
    requested_line = f"\n  requestedWorkers: {requested}" if requested else ""
    return (f"apiVersion: tide/v1\nkind: TrainingJob\nmetadata: {{name: {name}}}\nspec:\n"
            f"  accelerator: bench-gpu\n  workers: {{min: {min_workers}, max: {max_workers}}}{requested_line}\n"
            f"  priority: {priority}\n  epochs: 1\n  template:\n    command: [{words}]\n")


def submission_latency(stack, count):
    latencies = []
    for index in range(count):
        sent = time.time()
        name = stack.create(job(f"submit-{index}", ["/bin/sleep", "0.05"]))
        started = stack.wait_for(lambda: stack.record(name, 1, 0, "started.json"))
        latencies.append((started["startedAt"] - sent) * 1000)
        stack.wait_for(lambda: stack.record(name, 1, 0, "exit.json"))
    stack.wait_for(lambda: True if stack.state(name) == "Completed" else None, timeout=30, interval=0.05)
    return latencies


# A worker that takes about 200 ms to checkpoint on SIGTERM, as a real one would.
CHECKPOINTING = ["python3", "-c",
                 "import signal, sys, time\n"
                 "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(0.2), sys.exit(0)))\n"
                 "time.sleep(3600)"]


def resize_latency(stack, cycles, gpus):
    """An elastic job holding every GPU shrinks for a high-priority arrival and grows back when it ends."""
    elastic = stack.create(job("elastic", CHECKPOINTING, 1, gpus, requested=gpus))
    stack.wait_for(lambda: stack.record(elastic, 1, gpus - 1, "started.json"), timeout=30)
    results = []
    run = 1
    for cycle in range(cycles):
        stack.create(job(f"urgent-{cycle}", ["/bin/sleep", "1"], 2, 2, priority=10))
        for _ in range(2):  # the shrink for it, then the growth after it
            old = [index for index in range(gpus) if stack.record(elastic, run, index, "launch.json")]
            stack.wait_for(lambda: stack.record(elastic, run + 1, 0, "started.json"), timeout=60, interval=0.01)
            new_count = stack.wait_for(lambda: next(
                (n for n in range(gpus, 0, -1) if stack.record(elastic, run + 1, n - 1, "launch.json")), None))
            started = [stack.wait_for(lambda i=i: stack.record(elastic, run + 1, i, "started.json"))
                       for i in range(new_count)]
            decided = min(stack.record(elastic, run, i, "requested") for i in old)
            stopped = max(stack.record(elastic, run, i, "exit.json")["endedAt"] for i in old)
            execd = max(record["startedAt"] for record in started)
            results.append({"from": len(old), "to": new_count, "stop_ms": (stopped - decided) * 1000,
                            "resize_ms": (execd - decided) * 1000})
            run += 1
    return results


def waiting_rounds(stack, count, rounds=15):
    """`count` waiting jobs that cannot start (no GPUs offered), then rounds one at a time."""
    stack.request("PUT", "/v1/nodes/local-0", json.dumps({"accelerator": "bench-gpu", "gpus": 0}))
    # Clones of a job the scheduler has already judged: same status, so a round writes none of them.
    first = stack.create(job("waiting-0", ["/bin/true"]))
    stack.wait_for(lambda: True if stack.state(first) == "Waiting" else None, timeout=30, interval=0.05)
    template = stack.mongo.jobs.find_one({"metadata.name": first})
    existing = stack.mongo.jobs.count_documents({"metadata.name": {"$regex": "^waiting-"}})
    batch = []
    for index in range(existing, count):
        clone = dict(template)
        clone.pop("_id")
        clone["metadata"] = dict(template["metadata"], name=f"waiting-{index}-bench", submittedName=f"waiting-{index}")
        clone["outbox"] = False
        batch.append(clone)
        if len(batch) == 1000:
            stack.mongo.jobs.insert_many(batch)
            batch = []
    if batch:
        stack.mongo.jobs.insert_many(batch)
    # Jobs written behind the API's back announce nothing: the scheduler reads them at its next
    # full refresh (every 30 s). Nudge rounds until it holds them all.
    deadline = time.time() + 300
    while stack.held_jobs() < count:
        if time.time() > deadline:
            raise TimeoutError(f"the scheduler holds {stack.held_jobs()} of {count} jobs")
        stack.request("PUT", "/v1/nodes/local-0", json.dumps({"accelerator": "bench-gpu", "gpus": 0}))
        time.sleep(1)
    durations = []
    phases = {}
    for round_index in range(rounds + 2):
        total, done, before = stack.rounds()
        stack.request("PUT", "/v1/nodes/local-0", json.dumps({"accelerator": "bench-gpu", "gpus": 0, "schedulable": round_index % 2 == 0}))
        after = stack.wait_for(lambda: (lambda r: r if r[1] > done else None)(stack.rounds()), timeout=120, interval=0.01)
        if round_index >= 2:  # the first rounds load every job's status for the first time
            count = after[1] - done
            durations.append((after[0] - total) / count * 1000)
            for phase, seconds in after[2].items():
                phases.setdefault(phase, []).append((seconds - before.get(phase, 0)) / count * 1000)
    with open(f"/proc/{stack.pid('scheduler')}/status") as file:
        rss = int(re.search(r"VmRSS:\s+(\d+)", file.read()).group(1)) / 1024
    return durations, {phase: percentile(values, 50) for phase, values in phases.items()}, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cmd")
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--resizes", type=int, default=10)
    parser.add_argument("--waiting", default="1000,10000")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="tide-bench-stack.")
    gpus = 4
    stack = None
    try:
        print(f"== cmd up (policy elastic-fifo, {gpus} GPUs, data in {root})", flush=True)
        stack = Stack(args.cmd, root, "elastic-fifo", gpus)
        if args.submissions:
            latencies = submission_latency(stack, args.submissions)
            print(f"POST /v1/jobs -> first worker exec'd, {len(latencies)} submissions, idle stack: "
                  f"p50 {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
                  f"max {max(latencies):.1f} ms (goal: p50 < 100 ms, p99 < 250 ms)", flush=True)
        if args.resizes:
            results = resize_latency(stack, args.resizes, gpus)
            over = [r["resize_ms"] - r["stop_ms"] for r in results]
            kinds = ", ".join(sorted(set("%d->%d" % (r["from"], r["to"]) for r in results)))
            print(f"resize decision -> all new workers exec'd, {len(results)} restarts ({kinds}): "
                  f"p50 {percentile([r['resize_ms'] for r in results], 50):.1f} ms; old workers' stop p50 "
                  f"{percentile([r['stop_ms'] for r in results], 50):.1f} ms; overhead beyond the stop p50 "
                  f"{percentile(over, 50):.1f} ms, max {max(over):.1f} ms (goal: overhead < 100 ms)", flush=True)
        for count in [int(c) for c in args.waiting.split(",") if c]:
            durations, phases, rss = waiting_rounds(stack, count)
            split = ", ".join(f"{phase} {phases[phase]:.1f}" for phase in ("refresh", "allocate", "apply") if phase in phases)
            print(f"scheduler round, {count} waiting jobs, RPC included, {len(durations)} rounds: "
                  f"p50 {percentile(durations, 50):.1f} ms, p90 {percentile(durations, 90):.1f} ms "
                  f"(phase p50s: {split} ms); scheduler RSS {rss:.0f} MB "
                  f"(goal: p50 < {50 if count <= 1000 else 1000} ms, RSS < 200 MB)", flush=True)
    finally:
        if stack:
            stack.down()
        if not os.environ.get("KEEP"):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
