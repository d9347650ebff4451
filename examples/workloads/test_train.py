"""Tests of train.py against the worker contract, standard library only.

Run from the repository root: python3 -m unittest examples/workloads/test_train.py -v
"""

import http.server
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "train.py")
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+) workers=(\d+) epoch_seconds=([0-9.]+)(?: loss=([0-9.]+))?$")

spec = importlib.util.spec_from_file_location("train", SCRIPT)
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)

# Environment variables from the caller that would change what the script does.
CONTRACT = ("TIDE_JOB", "TIDE_WORKER_INDEX", "TIDE_NUM_WORKERS", "TIDE_CHECKPOINT_DIR",
            "TIDE_RESTART_COUNT", "TIDE_API", "TIDE_JOB_TOKEN", "JOB_NAME", "NP", "EPOCHS", "BATCH",
            "TIDE_TRAIN_PURE_PYTHON")


def environment(**values):
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    env.update({k: str(v) for k, v in values.items()})
    return env


def epoch_lines(stdout):
    """(epoch, epochs, workers, seconds, loss or None) for each epoch line."""
    rows = []
    for line in stdout.splitlines():
        match = EPOCH_LINE.match(line)
        if match:
            epoch, epochs, workers, seconds, loss = match.groups()
            rows.append((int(epoch), int(epochs), int(workers), float(seconds),
                         float(loss) if loss else None))
    return rows


class Lines:
    """A running process's stdout, read by a thread so a test can wait for a line with a deadline."""

    def __init__(self, process):
        self.lines = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, prefix, timeout=10):
        with self.changed:
            found = self.changed.wait_for(
                lambda: any(line.startswith(prefix) for line in self.lines), timeout)
        if not found:
            raise AssertionError("no line %r within %d s: %r" % (prefix, timeout, self.lines))

    def text(self):
        self.thread.join(5)
        return "\n".join(self.lines)


class ProgressServer:
    """A tiny training service that records every progress POST."""

    def __init__(self):
        self.requests = []
        recorded = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                recorded.append((self.path, self.headers.get("Authorization"),
                                 json.loads(self.rfile.read(length))))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TrainTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.checkpoint_dir = os.path.join(self.directory.name, "ckpt")
        self.addCleanup(self.directory.cleanup)

    def run_train(self, *args, timeout=15, **env):
        env.setdefault("TIDE_CHECKPOINT_DIR", self.checkpoint_dir)
        return subprocess.run([sys.executable, SCRIPT, *map(str, args)], env=environment(**env),
                              capture_output=True, text=True, timeout=timeout)

    def start_train(self, *args, **env):
        env.setdefault("TIDE_CHECKPOINT_DIR", self.checkpoint_dir)
        process = subprocess.Popen([sys.executable, SCRIPT, *map(str, args)], env=environment(**env),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.finish, process)
        return process

    @staticmethod
    def finish(process):
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()

    def checkpoint(self, directory=None):
        with open(os.path.join(directory or self.checkpoint_dir, train.CHECKPOINT_FILE)) as file:
            return json.load(file)

    def wait_for_epoch(self, epoch, process, deadline=10):
        """Waits until worker 0's checkpoint has reached `epoch`."""
        path = os.path.join(self.checkpoint_dir, train.CHECKPOINT_FILE)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            self.assertIsNone(process.poll(), "train.py ended early")
            try:
                with open(path) as file:
                    if json.load(file)["epoch"] >= epoch:
                        return
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        self.fail("no checkpoint at epoch %d within %d s" % (epoch, deadline))

    def test_completes_all_epochs_with_falling_loss(self):
        result = self.run_train("--epochs", 5, "--epoch-seconds", 0.05, CUDA_VISIBLE_DEVICES="2,3", TIDE_JOB="job-a")
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = epoch_lines(result.stdout)
        self.assertEqual([row[:3] for row in rows], [(e, 5, 1) for e in range(1, 6)])
        losses = [row[4] for row in rows]
        self.assertEqual(losses, sorted(losses, reverse=True))
        self.assertLess(losses[-1], losses[0])
        self.assertIn("CUDA_VISIBLE_DEVICES=2,3", result.stdout)
        state = self.checkpoint()
        self.assertEqual((state["epoch"], state["step"], state["epochs"]), (5, 0, 5))
        self.assertEqual([name for name in os.listdir(self.checkpoint_dir)], [train.CHECKPOINT_FILE])

    def test_epochs_default_from_environment(self):
        result = self.run_train("--epoch-seconds", 0.02, EPOCHS=3)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([row[:2] for row in epoch_lines(result.stdout)], [(1, 3), (2, 3), (3, 3)])

    def test_sigterm_checkpoints_and_a_second_run_resumes(self):
        process = self.start_train("--epochs", 200, "--epoch-seconds", 0.05)
        self.wait_for_epoch(3, process)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=5)
        self.assertEqual(process.returncode, 0, stderr)
        reached = epoch_lines(stdout)[-1][0]
        state = self.checkpoint()
        self.assertGreaterEqual(reached, 3)
        self.assertEqual(state["epoch"], reached)
        self.assertIn("stopped by signal at epoch %d step %d" % (reached, state["step"]), stdout)

        result = self.run_train("--epochs", reached + 2, "--epoch-seconds", 0.05)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("resuming at epoch %d step %d" % (reached, state["step"]), result.stdout)
        self.assertEqual([row[0] for row in epoch_lines(result.stdout)], [reached + 1, reached + 2])

        # The same data order and shards after a resume: the same weights as one unbroken run.
        other = os.path.join(self.directory.name, "unbroken")
        result = self.run_train("--epochs", reached + 2, "--epoch-seconds", 0.01, TIDE_CHECKPOINT_DIR=other)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.checkpoint(other)["weights"], self.checkpoint()["weights"])

    def test_sigterm_on_another_worker_exits_without_writing(self):
        process = self.start_train("--epochs", 200, "--epoch-seconds", 0.05,
                                   TIDE_WORKER_INDEX=1, TIDE_NUM_WORKERS=2)
        lines = Lines(process)
        lines.wait_for("epoch 1/200 ")
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=5), 0, process.stderr.read())
        self.assertIn("checkpoint left to worker 0", lines.text())
        self.assertFalse(os.path.exists(self.checkpoint_dir))

    def test_sigterm_while_starting_exits_zero(self):
        process = self.start_train("--epochs", 200, "--epoch-seconds", 0.05)
        lines = Lines(process)
        lines.wait_for("job=local ")
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=5), 0, process.stderr.read())
        self.assertIn("stopped by signal at epoch 0", lines.text())

    def test_four_workers_run_shorter_epochs(self):
        times = {}
        for workers in (1, 4):
            result = self.run_train("--epochs", 2, "--epoch-seconds", 0.4, TIDE_NUM_WORKERS=workers,
                                    TIDE_CHECKPOINT_DIR=os.path.join(self.directory.name, str(workers)))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("per_worker_batch=%d" % (256 // workers), result.stdout)
            times[workers] = max(row[3] for row in epoch_lines(result.stdout))
        self.assertLess(times[4], times[1])
        self.assertAlmostEqual(times[1], 0.4, delta=0.1)
        self.assertAlmostEqual(times[4], train.epoch_seconds(0.4, 4, 0.9, 0.05), delta=0.1)

    def test_speedup_model(self):
        self.assertEqual(train.epoch_seconds(2.0, 1, 0.9, 0.05), 2.0)
        table = [train.epoch_seconds(2.0, n, 0.9, 0.05) for n in (1, 2, 4, 8)]
        self.assertEqual([round(t, 3) for t in table], [2.0, 1.211, 0.767, 0.518])
        self.assertEqual(table, sorted(table, reverse=True))
        # Efficiency falls with width; perfect scaling without communication is linear.
        efficiency = [2.0 / t / n for t, n in zip(table, (1, 2, 4, 8))]
        self.assertEqual(efficiency, sorted(efficiency, reverse=True))
        self.assertEqual(train.epoch_seconds(2.0, 8, 1.0, 0.0), 0.25)

    def test_progress_reports_reach_the_api(self):
        server = ProgressServer()
        self.addCleanup(server.close)
        result = self.run_train("--epochs", 3, "--epoch-seconds", 0.05, TIDE_API=server.url + "/",
                                TIDE_JOB="resnet-20240101-000000", TIDE_JOB_TOKEN="secret-token",
                                TIDE_NUM_WORKERS=2, TIDE_ACCELERATOR="nvidia-tesla-v100")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(server.requests), 3, server.requests)
        for number, (path, authorization, body) in enumerate(server.requests, start=1):
            self.assertEqual(path, "/v1/jobs/resnet-20240101-000000/progress")
            self.assertEqual(authorization, "Bearer secret-token")
            self.assertEqual((body["epoch"], body["epochs"], body["workers"]), (number, 3, 2))
            self.assertGreater(body["epochSeconds"], 0)
            self.assertIsInstance(body["loss"], float)
            self.assertEqual(body["accelerator"], "nvidia-tesla-v100")

        # Another worker never reports.
        result = self.run_train("--epochs", 1, "--epoch-seconds", 0.05, TIDE_API=server.url, TIDE_JOB="j",
                                TIDE_WORKER_INDEX=1, TIDE_NUM_WORKERS=2,
                                TIDE_CHECKPOINT_DIR=os.path.join(self.directory.name, "w1"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(server.requests), 3)

    def test_long_epochs_report_before_they_end(self):
        server = ProgressServer()
        self.addCleanup(server.close)
        result = self.run_train("--epochs", 1, "--epoch-seconds", 0.8, "--report-seconds", 0.2,
                                TIDE_API=server.url, TIDE_JOB="long", TIDE_JOB_TOKEN="t")
        self.assertEqual(result.returncode, 0, result.stderr)
        epochs = [body["epoch"] for _, _, body in server.requests]
        self.assertGreaterEqual(epochs.count(0), 2, server.requests)
        self.assertEqual(epochs[-1], 1)
        early = [body for _, _, body in server.requests if body["epoch"] == 0]
        self.assertTrue(all(abs(body["epochSeconds"] - 0.8) < 0.2 for body in early), early)

    def test_api_down_does_not_stop_training(self):
        server = ProgressServer()
        url = server.url
        server.close()
        result = self.run_train("--epochs", 2, "--epoch-seconds", 0.05, TIDE_API=url, TIDE_JOB="j")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(epoch_lines(result.stdout)), 2)
        self.assertIn("progress report to %s/v1/jobs/j/progress failed" % url, result.stderr)

    def test_fail_at_epoch_exits_with_the_code(self):
        result = self.run_train("--epochs", 5, "--epoch-seconds", 0.05, "--fail-at-epoch", 3,
                                "--exit-code", 7)
        self.assertEqual(result.returncode, 7, result.stderr)
        self.assertEqual([row[0] for row in epoch_lines(result.stdout)], [1, 2])
        self.assertEqual((self.checkpoint()["epoch"], self.checkpoint()["step"]), (2, 0))
        # A retry fails again at the same epoch by default.
        result = self.run_train("--epochs", 5, "--epoch-seconds", 0.05, "--fail-at-epoch", 3)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(epoch_lines(result.stdout), [])

    def test_fail_times_lets_a_retry_finish(self):
        args = ("--epochs", 3, "--epoch-seconds", 0.05, "--fail-at-epoch", 2, "--fail-times", 1)
        self.assertEqual(self.run_train(*args).returncode, 1)
        result = self.run_train(*args, TIDE_RESTART_COUNT=1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([row[0] for row in epoch_lines(result.stdout)], [2, 3])
        self.assertEqual(self.checkpoint()["failures"], 1)

    def test_pure_python_matches_numpy(self):
        weights = {}
        for pure in ("1", "0"):
            directory = os.path.join(self.directory.name, pure)
            result = self.run_train("--epochs", 2, "--epoch-seconds", 0.02, TIDE_TRAIN_PURE_PYTHON=pure,
                                    TIDE_CHECKPOINT_DIR=directory)
            self.assertEqual(result.returncode, 0, result.stderr)
            weights[pure] = self.checkpoint(directory)["weights"]
            if pure == "1":
                self.assertIn("backend=python", result.stdout)
        for a, b in zip(weights["1"], weights["0"]):
            self.assertAlmostEqual(a, b, places=9)

    def test_bad_environment_and_options_are_refused(self):
        result = self.run_train(TIDE_NUM_WORKERS=0)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("TIDE_NUM_WORKERS=0 must be at least 1", result.stderr)
        result = self.run_train(TIDE_NUM_WORKERS=2, TIDE_WORKER_INDEX=2)
        self.assertIn("TIDE_WORKER_INDEX=2 must be in 0...1", result.stderr)
        result = self.run_train("--scaling", 1.5)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--scaling must be in (0, 1]", result.stderr)

    def test_corrupt_checkpoint_is_refused(self):
        os.makedirs(self.checkpoint_dir)
        with open(os.path.join(self.checkpoint_dir, train.CHECKPOINT_FILE), "w") as file:
            file.write("{not json")
        result = self.run_train("--epochs", 1, "--epoch-seconds", 0.01)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unreadable checkpoint", result.stderr)


if __name__ == "__main__":
    unittest.main()
