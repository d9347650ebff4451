import TideBackend

/// The launch of worker `index` of a benchmark job (one worker per job).
enum WorkerLaunchSample {
    static func launch(_ index: Int) -> WorkerLaunch {
        WorkerLaunch(
            id: WorkerID(job: "bench-\(index)", run: 1, index: 0), workerCount: 1, node: "gpu-\(index % 64)", gpus: [0],
            command: ["python3", "train.py"], environment: ["TIDE_JOB": "bench-\(index)", "TIDE_WORKER_INDEX": "0", "TIDE_NUM_WORKERS": "1"])
    }
}
