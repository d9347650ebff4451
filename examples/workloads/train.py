#!/usr/bin/env python3
"""A stand-in data-parallel training program that honours Tide's worker contract.

It reads the worker environment (TIDE_JOB, TIDE_WORKER_INDEX, TIDE_NUM_WORKERS,
TIDE_CHECKPOINT_DIR, TIDE_RESTART_COUNT, TIDE_API, TIDE_JOB_TOKEN,
CUDA_VISIBLE_DEVICES), trains a tiny linear model by SGD on synthetic data so
the loss falls, and spends the rest of each epoch asleep, in steps of at most
50 ms, so that an epoch takes as long as the speed-up model says for the
number of workers (README.md beside this file). It checkpoints atomically after
each epoch and on SIGTERM (then exits 0), resumes from the checkpoint, and
worker 0 reports progress to the training service. Uses numpy when it is
installed and pure Python otherwise (or when TIDE_TRAIN_PURE_PYTHON=1).
"""

import argparse
import json
import math
import os
import queue
import random
import signal
import sys
import tempfile
import threading
import time
import urllib.request

numpy = None  # set by main(): the import comes after the SIGTERM handler is in place

CHECKPOINT_FILE = "train-checkpoint.json"
CHECKPOINT_VERSION = 1
STEPS_PER_EPOCH = 8        # an epoch is 8 steps of the global batch
FEATURES = 16
LEARNING_RATE = 0.02
NOISE = 0.1
SLEEP_SLICE = 0.05         # longest sleep between looks at the stop flag
REPORT_TIMEOUT = 2.0

# Per model: parallel efficiency kept per doubling of workers, and the
# all-reduce cost as a fraction of the one-worker epoch time.
MODELS = {
    "generic": (0.9, 0.05),
    "resnet50": (0.9, 0.05),
    "bert": (0.85, 0.1),
    "mnist": (0.7, 0.1),
    "pixyz": (1.0, 0.0),   # independent workers: no all-reduce
}


def speedup(workers, scaling):
    """Compute speed-up on `workers` workers: efficiency falls by `scaling` per doubling."""
    return workers * scaling ** math.log2(workers)


def epoch_seconds(one_worker_seconds, workers, scaling, comm):
    """Wall time of one epoch: the compute share plus a ring all-reduce, 2(n-1)/n of `comm`."""
    compute = one_worker_seconds / speedup(workers, scaling)
    return compute + one_worker_seconds * comm * 2 * (workers - 1) / workers


class Stop:
    """Set by SIGTERM or SIGINT; the handler goes in first thing, so a worker stopped
    while it starts up still exits 0 rather than dying of the signal."""
    requested = False

    @staticmethod
    def handle(signum, frame):
        Stop.requested = True


def load_numpy():
    if os.environ.get("TIDE_TRAIN_PURE_PYTHON") == "1":
        return None
    try:
        import numpy as module
        return module
    except ImportError:
        return None


def log(message):
    print("train: " + message, file=sys.stderr, flush=True)


def env_int(name, default, low, high=None):
    text = os.environ.get(name, "")
    if text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise SystemExit("train: %s=%r is not an integer" % (name, text))
    if value < low or (high is not None and value > high):
        bound = "at least %d" % low if high is None else "in %d...%d" % (low, high)
        raise SystemExit("train: %s=%d must be %s" % (name, value, bound))
    return value


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs to train (default: $EPOCHS, else 10)")
    parser.add_argument("--epoch-seconds", type=float, default=2.0,
                        help="wall seconds of one epoch on one worker (default 2.0)")
    parser.add_argument("--model", choices=sorted(MODELS), default="generic",
                        help="preset for --scaling and --comm (default generic)")
    parser.add_argument("--scaling", type=float, default=None,
                        help="parallel efficiency kept per doubling of workers, 0 < F <= 1")
    parser.add_argument("--comm", type=float, default=None,
                        help="all-reduce cost as a fraction of --epoch-seconds")
    parser.add_argument("--global-batch", type=int, default=None,
                        help="samples per step over all workers (default: $BATCH, else 256)")
    parser.add_argument("--report-seconds", type=float, default=30.0,
                        help="worker 0 also reports mid-epoch after this long without a report")
    parser.add_argument("--fail-at-epoch", type=int, default=None, metavar="K",
                        help="exit with --exit-code half-way through epoch K (1-based)")
    parser.add_argument("--exit-code", type=int, default=1,
                        help="exit code for --fail-at-epoch (default 1)")
    parser.add_argument("--fail-times", type=int, default=0,
                        help="fail at epoch K only this many times, counted in the "
                             "checkpoint (default 0: every time)")
    args = parser.parse_args(argv)
    scaling, comm = MODELS[args.model]
    args.scaling = scaling if args.scaling is None else args.scaling
    args.comm = comm if args.comm is None else args.comm
    if args.epochs is None:
        args.epochs = env_int("EPOCHS", 10, 1)
    if args.global_batch is None:
        args.global_batch = env_int("BATCH", 256, 1)
    problems = []
    if args.epochs < 1:
        problems.append("--epochs must be at least 1")
    if not args.epoch_seconds > 0:
        problems.append("--epoch-seconds must be above 0")
    if not 0 < args.scaling <= 1:
        problems.append("--scaling must be in (0, 1]")
    if not args.comm >= 0:
        problems.append("--comm must be 0 or more")
    if args.global_batch < 1:
        problems.append("--global-batch must be at least 1")
    if not args.report_seconds > 0:
        problems.append("--report-seconds must be above 0")
    if args.fail_at_epoch is not None and args.fail_at_epoch < 1:
        problems.append("--fail-at-epoch must be at least 1")
    if not 0 <= args.exit_code <= 255:
        problems.append("--exit-code must be in 0...255")
    if args.fail_times < 0:
        problems.append("--fail-times must be 0 or more")
    if problems:
        parser.error("; ".join(problems))
    return args


class Worker:
    """This worker's view of the environment Tide gives it."""

    def __init__(self):
        self.job = os.environ.get("TIDE_JOB") or os.environ.get("JOB_NAME") or "local"
        self.workers = env_int("TIDE_NUM_WORKERS", env_int("NP", 1, 1), 1)
        self.index = env_int("TIDE_WORKER_INDEX", 0, 0, self.workers - 1)
        self.restarts = env_int("TIDE_RESTART_COUNT", 0, 0)
        self.checkpoint_dir = os.environ.get("TIDE_CHECKPOINT_DIR") or None
        self.api = (os.environ.get("TIDE_API") or "").rstrip("/") or None
        self.token = os.environ.get("TIDE_JOB_TOKEN", "")
        self.accelerator = os.environ.get("TIDE_ACCELERATOR") or None
        self.devices = os.environ.get("CUDA_VISIBLE_DEVICES", "")


class Model:
    """Linear regression on a fixed synthetic data set; the same numbers with or without numpy."""

    def __init__(self, samples, weights):
        generator = random.Random(20240601)
        truth = [generator.gauss(0, 1) for _ in range(FEATURES)]
        self.rows = [[generator.gauss(0, 1) for _ in range(FEATURES)] for _ in range(samples)]
        self.targets = [sum(w * x for w, x in zip(truth, row)) + generator.gauss(0, NOISE)
                        for row in self.rows]
        self.weights = list(weights) if weights else [0.0] * FEATURES
        if numpy is not None:
            self.rows = numpy.array(self.rows)
            self.targets = numpy.array(self.targets)
            self.weights = numpy.array(self.weights)

    def step(self, indices):
        """One SGD step on the rows at `indices` (this worker's shard of the global batch)."""
        if not indices:
            return
        if numpy is not None:
            rows = self.rows[indices]
            error = rows @ self.weights - self.targets[indices]
            self.weights = self.weights - LEARNING_RATE * (rows.T @ error) / len(indices)
            return
        gradient = [0.0] * FEATURES
        for i in indices:
            row = self.rows[i]
            error = sum(w * x for w, x in zip(self.weights, row)) - self.targets[i]
            for j in range(FEATURES):
                gradient[j] += error * row[j]
        scale = LEARNING_RATE / len(indices)
        self.weights = [w - scale * g for w, g in zip(self.weights, gradient)]

    def loss(self):
        """Half the mean squared error over the whole data set."""
        if numpy is not None:
            error = self.rows @ self.weights - self.targets
            return float(error @ error) / (2 * len(error))
        total = 0.0
        for row, target in zip(self.rows, self.targets):
            error = sum(w * x for w, x in zip(self.weights, row)) - target
            total += error * error
        return total / (2 * len(self.targets))

    def weight_list(self):
        return [float(w) for w in self.weights]


class Reporter:
    """Sends worker 0's progress reports from a thread of their own: a slow or dead API
    never holds up training or a SIGTERM, and a failed report is logged and dropped."""

    def __init__(self, url, token):
        self.url = url
        self.token = token
        self.pending = queue.Queue(maxsize=16)
        self.thread = None
        if self.url:
            self.thread = threading.Thread(target=self._run, name="progress", daemon=True)
            self.thread.start()

    def report(self, body):
        if self.url is None:
            return
        try:
            self.pending.put_nowait(body)
        except queue.Full:
            log("progress report dropped: %d reports still waiting" % self.pending.qsize())

    def close(self, timeout):
        """Sends what is waiting, for at most `timeout` seconds."""
        if self.thread is None:
            return
        self.pending.put(None)
        self.thread.join(timeout)

    def _run(self):
        while True:
            body = self.pending.get()
            if body is None:
                return
            request = urllib.request.Request(
                self.url, data=json.dumps(body).encode(), method="POST",
                headers={"Content-Type": "application/json",
                         "Authorization": "Bearer " + self.token})
            try:
                with urllib.request.urlopen(request, timeout=REPORT_TIMEOUT) as response:
                    response.read()
            except Exception as error:  # the API being down must never stop training
                log("progress report to %s failed: %s" % (self.url, error))


class Checkpoints:
    """The checkpoint file in TIDE_CHECKPOINT_DIR, written whole or not at all."""

    def __init__(self, directory):
        self.path = os.path.join(directory, CHECKPOINT_FILE) if directory else None

    def load(self):
        if self.path is None or not os.path.exists(self.path):
            return None
        try:
            with open(self.path) as file:
                state = json.load(file)
            if state.get("version") != CHECKPOINT_VERSION:
                raise ValueError("version %r, expected %d" % (state.get("version"), CHECKPOINT_VERSION))
            state["epoch"] = int(state["epoch"])
            state["step"] = int(state.get("step", 0))
            state["weights"] = [float(w) for w in state["weights"]]
            if len(state["weights"]) != FEATURES:
                raise ValueError("%d weights, expected %d" % (len(state["weights"]), FEATURES))
            return state
        except (OSError, ValueError, KeyError, TypeError) as error:
            # A torn file cannot happen (rename is atomic); anything else is not ours to guess at.
            raise SystemExit("train: unreadable checkpoint %s: %s" % (self.path, error))

    def save(self, state):
        if self.path is None:
            return
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".checkpoint-", dir=directory)
        try:
            with os.fdopen(descriptor, "w") as file:
                json.dump(state, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise


class Training:
    def __init__(self, args, worker):
        self.args = args
        self.worker = worker
        self.checkpoints = Checkpoints(worker.checkpoint_dir)
        reports = worker.api is not None and worker.index == 0
        url = "%s/v1/jobs/%s/progress" % (worker.api, worker.job) if reports else None
        self.reporter = Reporter(url, worker.token)
        self.epoch_target = epoch_seconds(args.epoch_seconds, worker.workers, args.scaling, args.comm)
        self.samples = STEPS_PER_EPOCH * args.global_batch
        # Worker i's shard of each global batch: rows [i*B//n, (i+1)*B//n).
        batch, n, i = args.global_batch, worker.workers, worker.index
        self.shard = (i * batch // n, (i + 1) * batch // n)
        state = self.checkpoints.load() or {}
        self.epoch = min(state.get("epoch", 0), args.epochs)
        self.step = state.get("step", 0) if self.epoch < args.epochs else 0
        self.failures = int(state.get("failures", 0))
        self.loss = state.get("loss")
        self.resumed = bool(state)
        self.model = Model(self.samples, state.get("weights"))
        self.last_report = time.monotonic()
        self.last_epoch_seconds = None

    def state(self):
        return {"version": CHECKPOINT_VERSION, "job": self.worker.job, "epoch": self.epoch,
                "step": self.step, "epochs": self.args.epochs, "workers": self.worker.workers,
                "weights": self.model.weight_list(), "loss": self.loss, "failures": self.failures,
                "savedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def checkpoint(self):
        if self.worker.index == 0:
            self.checkpoints.save(self.state())

    def progress(self, seconds):
        body = {"epoch": self.epoch, "epochs": self.args.epochs, "workers": self.worker.workers,
                "epochSeconds": round(seconds, 4), "stepSeconds": round(seconds / STEPS_PER_EPOCH, 4),
                "samplesPerSecond": round(self.samples / seconds, 2)}
        if self.loss is not None:
            body["loss"] = round(self.loss, 6)
        # The service drops reports of a run on another GPU type than the job's now
        # (one still stopping after a failback): its speed is not the new type's.
        if self.worker.accelerator:
            body["accelerator"] = self.worker.accelerator
        self.reporter.report(body)
        self.last_report = time.monotonic()

    def sleep_until(self, deadline, pace):
        """Sleeps in short slices until `deadline`; False when a SIGTERM came first.
        `pace` is [steps, seconds] of this epoch's finished steps, for mid-epoch reports."""
        while not Stop.requested:
            now = time.monotonic()
            if now >= deadline:
                return True
            if now - self.last_report >= self.args.report_seconds:
                # A long epoch: report the pace of its finished steps (or the last epoch's,
                # or before any, the model's).
                if pace[0] > 0:
                    self.progress(pace[1] / pace[0] * STEPS_PER_EPOCH)
                else:
                    self.progress(self.last_epoch_seconds or self.epoch_target)
            time.sleep(min(SLEEP_SLICE, deadline - now))
        return False

    def run_epoch(self):
        """One epoch from self.step on; False when stopped by SIGTERM part-way."""
        order = list(range(self.samples))
        random.Random(self.epoch).shuffle(order)
        # Start the clock as if the steps done before a resume had taken their share of time.
        resumed_at, real_start = self.step, time.monotonic()
        started = real_start - self.epoch_target * self.step / STEPS_PER_EPOCH
        pace = [0, 0.0]
        fail_here = (self.args.fail_at_epoch == self.epoch + 1
                     and (self.args.fail_times == 0 or self.failures < self.args.fail_times))
        while self.step < STEPS_PER_EPOCH:
            if Stop.requested:
                return False
            if fail_here and self.step >= STEPS_PER_EPOCH // 2:
                self.fail()
            base = self.step * self.args.global_batch
            self.model.step(order[base + self.shard[0]:base + self.shard[1]])
            self.step += 1
            deadline = started + self.epoch_target * self.step / STEPS_PER_EPOCH
            if not self.sleep_until(deadline, pace):
                return False
            pace[:] = [self.step - resumed_at, time.monotonic() - real_start]
        self.last_epoch_seconds = time.monotonic() - started
        return True

    def fail(self):
        if self.worker.index == 0 and self.args.fail_times:
            # Count the failure on the last epoch's checkpoint, without this epoch's steps.
            saved = self.checkpoints.load() or {}
            saved.update({"version": CHECKPOINT_VERSION, "failures": self.failures + 1})
            saved.setdefault("epoch", self.epoch)
            saved.setdefault("weights", [0.0] * FEATURES)
            saved["step"] = 0
            self.checkpoints.save(saved)
        print("epoch %d/%d failing on purpose (--fail-at-epoch) with exit code %d"
              % (self.epoch + 1, self.args.epochs, self.args.exit_code), flush=True)
        self.reporter.close(REPORT_TIMEOUT)
        sys.exit(self.args.exit_code)

    def run(self):
        w = self.worker
        print("job=%s worker=%d/%d restart=%d CUDA_VISIBLE_DEVICES=%s checkpoint_dir=%s api=%s "
              "epoch_target=%.3fs per_worker_batch=%d backend=%s"
              % (w.job, w.index, w.workers, w.restarts, w.devices or "(unset)",
                 w.checkpoint_dir or "(unset: no checkpoints)", w.api or "(unset: no reports)",
                 self.epoch_target, self.shard[1] - self.shard[0],
                 "numpy" if numpy is not None else "python"), flush=True)
        if self.resumed:
            print("resuming at epoch %d step %d of %d" % (self.epoch, self.step, self.args.epochs), flush=True)
        while self.epoch < self.args.epochs:
            if not self.run_epoch():
                break
            self.epoch += 1
            self.step = 0
            if w.index == 0:
                self.loss = self.model.loss()
            self.checkpoint()
            loss = " loss=%.4f" % self.loss if w.index == 0 else ""
            print("epoch %d/%d workers=%d epoch_seconds=%.2f%s"
                  % (self.epoch, self.args.epochs, w.workers, self.last_epoch_seconds, loss), flush=True)
            if w.index == 0:
                self.progress(self.last_epoch_seconds)
        if Stop.requested and self.epoch < self.args.epochs:
            self.checkpoint()
            if w.index != 0:
                written = "left to worker 0"
            else:
                written = "written" if self.checkpoints.path else "not kept (no TIDE_CHECKPOINT_DIR)"
            print("stopped by signal at epoch %d step %d; checkpoint %s" % (self.epoch, self.step, written),
                  flush=True)
            self.reporter.close(0.5)
            return 0
        print("done: %d epochs" % self.args.epochs, flush=True)
        self.reporter.close(REPORT_TIMEOUT + 0.5)
        return 0


def main(argv=None):
    global numpy
    signal.signal(signal.SIGTERM, Stop.handle)
    signal.signal(signal.SIGINT, Stop.handle)
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    numpy = load_numpy()
    return Training(args, Worker()).run()


if __name__ == "__main__":
    sys.exit(main())
