/// How one job fared.
public struct JobOutcome: Sendable, Codable, Equatable {
    public var name: String
    public var arrival: Double
    public var firstStart: Double
    public var completion: Double
    public var restarts: Int
    /// Seconds it would take alone at its requested width, with one start.
    public var aloneSeconds: Double

    init(_ progress: JobProgress, restartSeconds: Double) {
        name = progress.job.name
        arrival = progress.job.arrival
        firstStart = progress.firstStart ?? progress.job.arrival
        completion = progress.completion ?? .infinity
        restarts = progress.restarts
        let width = min(progress.job.requestedWorkers, progress.job.maxWorkers)
        aloneSeconds = progress.job.work / progress.job.speedup(width) + restartSeconds
    }

    public var completionTime: Double { completion - arrival }
}

/// The schedule of one policy on one trace, and its summary figures.
public struct SimulationResult: Sendable, Codable, Equatable {
    public var policy: String
    public var jobs: [JobOutcome]
    public var totalGPUs: Int
    public var rounds: Int
    public var averageJCT: Double
    public var p50JCT: Double
    public var p99JCT: Double
    public var makespan: Double
    public var averageQueueingDelay: Double
    /// Allocated GPU-seconds over capacity × makespan.
    public var gpuUtilisation: Double
    public var restartsPerJob: Double
    /// The largest JCT over the time the job would take alone.
    public var worstSlowdown: Double
    /// Wall-clock seconds the simulation took (the only figure that varies between identical runs).
    public var wallSeconds: Double = 0
    /// The part of `wallSeconds` spent inside the policy (`Allocator.allocate`).
    public var allocatorWallSeconds: Double = 0

    init(
        policy: String, jobs outcomes: [JobOutcome], totalGPUs: Int, allocatedGpuSeconds: Double, rounds: Int,
        restartSeconds: Double
    ) {
        self.policy = policy
        self.jobs = outcomes
        self.totalGPUs = totalGPUs
        self.rounds = rounds
        let count = Double(max(outcomes.count, 1))
        let jcts = outcomes.map(\.completionTime).sorted()
        averageJCT = jcts.reduce(0, +) / count
        p50JCT = Self.nearestRank(jcts, 0.50)
        p99JCT = Self.nearestRank(jcts, 0.99)
        let start = outcomes.map(\.arrival).min() ?? 0
        makespan = (outcomes.map(\.completion).max() ?? start) - start
        averageQueueingDelay = outcomes.reduce(0) { $0 + $1.firstStart - $1.arrival } / count
        gpuUtilisation = makespan > 0 ? allocatedGpuSeconds / (Double(totalGPUs) * makespan) : 0
        restartsPerJob = Double(outcomes.reduce(0) { $0 + $1.restarts }) / count
        worstSlowdown = outcomes.map { $0.aloneSeconds > 0 ? $0.completionTime / $0.aloneSeconds : 0 }.max() ?? 0
    }

    /// The nearest-rank percentile of sorted values.
    static func nearestRank(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
