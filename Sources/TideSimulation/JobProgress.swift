import TideAllocation

/// One job's state as the simulation runs.
struct JobProgress {
    let job: SimulatedJob
    var remainingWork: Double
    var workers = 0
    var placement: [NodeGPUs] = []
    /// No progress before this time (a restart in progress).
    var pausedUntil = 0.0
    var firstStart: Double?
    var lastChange: Double?
    var completion: Double?
    var attainedGpuSeconds = 0.0
    var runningSeconds = 0.0
    var waitingSeconds = 0.0
    var restarts = 0
    /// True speedups at the widths the job has run at past its restart.
    var measured: [Int: Double] = [:]
    var policyState: JSONValue = .emptyObject

    init(_ job: SimulatedJob) {
        self.job = job
        remainingWork = job.work
    }

    /// When the job finishes if nothing changes, from `now`.
    func finishTime(after now: Double) -> Double {
        guard workers > 0 else { return .infinity }
        return max(now, pausedUntil) + remainingWork / job.speedup(workers)
    }

    /// Moves the job's clock from `now` to `later`.
    mutating func advance(from now: Double, to later: Double) {
        let elapsed = later - now
        guard workers > 0 else {
            waitingSeconds += elapsed
            return
        }
        runningSeconds += elapsed
        attainedGpuSeconds += elapsed * Double(workers)
        let progressing = later - max(now, pausedUntil)
        if progressing > 0 {
            remainingWork -= progressing * job.speedup(workers)
            measured[workers] = job.speedup(workers)
        }
    }

    /// What the allocator sees of this job.
    func snapshot(config: SimulationConfig) -> JobSnapshot {
        let known = measured.keys.sorted()
        return JobSnapshot(
            name: job.name, minWorkers: job.minWorkers, maxWorkers: job.maxWorkers,
            requestedWorkers: min(job.requestedWorkers, job.maxWorkers), submitTime: job.arrival,
            firstStartTime: firstStart, lastResizeTime: lastChange, attainedGpuSeconds: attainedGpuSeconds,
            runningSeconds: runningSeconds, waitingSeconds: waitingSeconds, restartSeconds: config.restartSeconds,
            placement: placement,
            speedup: Dictionary(uniqueKeysWithValues: known.map { (String($0), measured[$0]! / job.speedup(1)) }),
            measuredWorkers: known, remainingSeconds: known.isEmpty ? nil : max(remainingWork, 0) / job.speedup(1),
            policyState: policyState)
    }
}
