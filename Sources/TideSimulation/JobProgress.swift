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
    /// Widths the job has run at past a restart pause, sorted; with their true
    /// speedups relative to one worker, keyed as the snapshot wants. Both change
    /// only when a new width is measured, so rounds reuse them as they are.
    var measuredWorkers: [Int] = []
    var measuredSpeedups: [String: Double] = [:]
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
            if measuredSpeedups[String(workers)] == nil { measure(workers) }
        }
    }

    private mutating func measure(_ width: Int) {
        measuredWorkers.insert(width, at: measuredWorkers.firstIndex { $0 > width } ?? measuredWorkers.endIndex)
        measuredSpeedups[String(width)] = job.speedup(width) / job.speedup(1)
    }

    /// What the allocator sees of this job.
    func snapshot(config: SimulationConfig) -> JobSnapshot {
        JobSnapshot(
            name: job.name, minWorkers: job.minWorkers, maxWorkers: job.maxWorkers,
            requestedWorkers: min(job.requestedWorkers, job.maxWorkers), submitTime: job.arrival,
            firstStartTime: firstStart, lastResizeTime: lastChange, attainedGpuSeconds: attainedGpuSeconds,
            runningSeconds: runningSeconds, waitingSeconds: waitingSeconds, restartSeconds: config.restartSeconds,
            placement: placement,
            speedup: measuredSpeedups, measuredWorkers: measuredWorkers,
            remainingSeconds: measuredWorkers.isEmpty ? nil : max(remainingWork, 0) / job.speedup(1),
            policyState: policyState)
    }
}
