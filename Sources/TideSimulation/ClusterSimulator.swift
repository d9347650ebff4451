import TideAllocation

/// A discrete-event simulation of one policy on one trace, over the real
/// allocation library.
///
/// Rounds run every `roundSeconds` and at every arrival and completion;
/// events at the same instant share a round. Between rounds each running
/// job progresses at its true speedup, except while a restart pauses it.
/// What the policy sees is what Tide would know: speedups only at widths a
/// job has run at, a remaining-time estimate only once it has been measured.
public struct ClusterSimulator {
    public let config: SimulationConfig
    private var jobs: [JobProgress]
    private var active: [Int] = []
    private var now = 0.0
    private var rounds = 0
    private var allocatedGpuSeconds = 0.0
    /// Wall time spent inside `Allocator.allocate`, to tell a slow policy from a slow simulator.
    private var allocatorTime = Duration.zero
    private let nodes: [NodeSnapshot]
    private var decisionCheck: DecisionCheck
    /// Rounds in a row in which no job ran and none was still to arrive.
    private var idleRounds = 0
    /// Past this many idle rounds nothing will ever run (a rigid job wider than the cluster):
    /// the simulation stops with the jobs named, instead of turning rounds for ever.
    static let idleRoundLimit = 1_000

    public init(jobs: [SimulatedJob], config: SimulationConfig) {
        self.config = config
        let ordered = jobs.sorted { ($0.arrival, $0.name) < ($1.arrival, $1.name) }
        self.jobs = ordered.map(JobProgress.init)
        nodes = (0..<config.nodes).map { NodeSnapshot(name: nodeName($0), gpus: config.gpusPerNode) }
        decisionCheck = DecisionCheck(nodes: nodes, gpusPerNode: config.gpusPerNode)
    }

    /// Runs every job to completion.
    public static func run(_ jobs: [SimulatedJob], config: SimulationConfig) throws -> SimulationResult {
        let clock = ContinuousClock()
        let started = clock.now
        var simulator = ClusterSimulator(jobs: jobs, config: config)
        var result = try simulator.run()
        result.wallSeconds = seconds(started.duration(to: clock.now))
        result.allocatorWallSeconds = seconds(simulator.allocatorTime)
        return result
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    private mutating func run() throws -> SimulationResult {
        var nextArrival = 0
        var completed = 0
        let eps = 1e-6
        now = jobs.first?.job.arrival ?? 0
        while completed < jobs.count {
            while nextArrival < jobs.count && jobs[nextArrival].job.arrival <= now + eps {
                active.append(nextArrival)
                nextArrival += 1
            }
            if active.isEmpty {
                now = jobs[nextArrival].job.arrival
                continue
            }
            try allocateRound()
            try checkProgress(everyoneArrived: nextArrival >= jobs.count)
            var next = now + config.roundSeconds
            if nextArrival < jobs.count { next = min(next, jobs[nextArrival].job.arrival) }
            for index in active { next = min(next, jobs[index].finishTime(after: now)) }
            next = max(next, now)
            for index in active {
                jobs[index].advance(from: now, to: next)
                allocatedGpuSeconds += Double(jobs[index].workers) * (next - now)
            }
            now = next
            active.removeAll { index in
                guard jobs[index].workers > 0, jobs[index].remainingWork <= eps * max(1, jobs[index].job.work)
                else { return false }
                jobs[index].completion = now
                jobs[index].workers = 0
                jobs[index].placement = []
                completed += 1
                return true
            }
        }
        return SimulationResult(
            policy: config.policy, jobs: jobs.map { JobOutcome($0, restartSeconds: config.restartSeconds) }, totalGPUs: config.totalGPUs,
            allocatedGpuSeconds: allocatedGpuSeconds, rounds: rounds, restartSeconds: config.restartSeconds)
    }

    private mutating func allocateRound() throws {
        rounds += 1
        let snapshot = AllocationSnapshot(
            policy: config.policy, now: now, minResizeInterval: config.minResizeInterval, nodes: nodes,
            jobs: active.map { jobs[$0].snapshot(config: config) }, options: config.options)
        let decision: AllocationDecision
        do {
            let clock = ContinuousClock()
            let started = clock.now
            decision = try Allocator.allocate(snapshot)
            allocatorTime += started.duration(to: clock.now)
        } catch {
            throw SimulationError(
                round: rounds, time: now, message: "policy \(config.policy) refused the snapshot: \(error)")
        }
        // Checked whole before any of it is applied; each name is looked up once.
        let answers = try active.map { index in
            let allocation = decision.allocations[jobs[index].job.name]
            try decisionCheck.check(jobs[index].job, allocation, in: decision, round: rounds, time: now)
            return allocation
        }
        try decisionCheck.checkAnswered(
            decision, jobs: active.count, names: active.map { jobs[$0].job.name }, round: rounds, time: now)
        for (index, allocation) in zip(active, answers) {
            jobs[index].policyState = decision.policyState[jobs[index].job.name] ?? .emptyObject
            apply(workers: allocation?.workers ?? 0, placement: allocation?.placement ?? [], to: index)
        }
    }

    /// Stops a simulation in which nothing can run any more.
    private mutating func checkProgress(everyoneArrived: Bool) throws {
        guard everyoneArrived, active.allSatisfy({ jobs[$0].workers == 0 }) else {
            idleRounds = 0
            return
        }
        idleRounds += 1
        guard idleRounds >= Self.idleRoundLimit else { return }
        let waiting = active.map { jobs[$0].job }.sorted { $0.name < $1.name }
        let named = waiting.prefix(5).map { "\($0.name) (\($0.requestedWorkers) workers requested, at least \($0.minWorkers))" }
        throw SimulationError(
            round: rounds, time: now,
            message: "no job has run for \(Self.idleRoundLimit) rounds and none is still to arrive: policy \(config.policy) never runs \(named.joined(separator: ", "))\(waiting.count > 5 ? " and \(waiting.count - 5) more" : "") on \(config.totalGPUs) GPUs")
    }

    private mutating func apply(workers: Int, placement: [NodeGPUs], to index: Int) {
        var progress = jobs[index]
        guard workers != progress.workers || placement != progress.placement else { return }
        if workers > 0 {
            if progress.firstStart == nil {
                progress.firstStart = now
            } else {
                progress.restarts += 1
            }
            progress.pausedUntil = now + config.restartSeconds
        }
        progress.lastChange = now
        progress.workers = workers
        progress.placement = placement
        jobs[index] = progress
    }
}

/// `n000`-style node names that sort in numeric order.
func nodeName(_ number: Int) -> String {
    let digits = String(number)
    return "n" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}
