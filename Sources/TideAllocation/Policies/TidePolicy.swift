/// `tide`, the default: shortest remaining time first at efficient widths,
/// with a price on every resize.
///
/// - Order, inside strict priority tiers: jobs that never ran come first
///   (they start and are measured within a round), then jobs by expected
///   remaining time at their width: the estimate when there is one, else the
///   time already run (least attained service, right for heavy tails).
/// - Each waiting job is admitted in that order at its efficient width:
///   `requestedWorkers`, or a wider measured width that still scales at half
///   of linear or better. GPUs not free come from running jobs, cheapest
///   first (least speedup lost per GPU over remaining time): first what they
///   borrowed above their own efficient width, all at once, so one restart
///   makes room for the next arrivals too; then down to their minimums; a
///   running job is stopped only when its expected remaining time is long
///   (over `stopAfterSeconds` and `stopRatio` times the newcomer's, a
///   newcomer being taken as typical).
/// - Running jobs otherwise keep their count. A job measured slower than a
///   narrower measured width goes back to it; growth past a measured dip is
///   not tried again.
/// - Spare GPUs go one worker at a time to the job with the largest marginal
///   speedup per GPU divided by its expected remaining time (AFS-L's rule),
///   along the concave hull of the curve the contract extrapolates.
/// - A running job grows only when the time it saves exceeds both
///   `growthRestarts` restarts and `growthFraction` of its remaining time,
///   and not within `settleSeconds` of its last change. With curves known
///   only where a job has run, this is what keeps resizes rare.
///
/// Tuned on the Pollux workloads and a Philly window (docs/benchmarks.md).
struct TidePolicy: AllocationPolicy {
    let name = "tide"

    static let stopAfterSeconds = 1_800.0
    static let stopRatio = 4.0
    static let growthRestarts = 2.0
    static let growthFraction = 0.2
    static let settleSeconds = 600.0
    /// A measured width counts as efficient when its speedup is at least this fraction of linear.
    static let efficientFraction = 0.5

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let jobs = problem.jobs
        let remaining = jobs.map(Self.expectedRemaining)
        let width = jobs.map(Self.efficientWidth)
        let neverRan = jobs.map { !$0.isRunning && $0.snapshot.firstStartTime == nil && $0.snapshot.measuredWorkers.isEmpty }
        let key = jobs.indices.map { index -> Double in
            let job = jobs[index]
            return neverRan[index] ? -1 : remaining[index] / job.curve.speedup(job.isRunning ? job.current : width[index])
        }
        let order = problem.order { key[$0] }
        var position = Array(repeating: 0, count: jobs.count)
        for (rank, index) in order.enumerated() { position[index] = rank }
        // A newcomer's length is unknown: for stopping others, take it to be typical.
        let knownKeys = jobs.indices.filter { !neverRan[$0] }.map { key[$0] }.sorted()
        let typicalKey = knownKeys.isEmpty ? Self.stopAfterSeconds : knownKeys[knownKeys.count / 2]
        let stopKey = jobs.indices.map { neverRan[$0] ? typicalKey : key[$0] }
        let settling = jobs.map { job in
            job.isRunning && (job.snapshot.lastResizeTime ?? job.snapshot.firstStartTime).map {
                problem.snapshot.now - $0 < Self.settleSeconds
            } == true
        }
        let longestRunning = jobs.indices.filter { jobs[$0].isRunning }.map { key[$0] }.max() ?? -1
        var cap = jobs.indices.map { index -> Int in
            let job = jobs[index]
            if let better = Self.betterNarrowerWidth(job, remaining: remaining[index]) { return better }
            if settling[index] { return job.current }
            return Self.bestBeforeDip(job) ?? Int.max
        }
        var counts: [Int] = []
        for _ in 0..<4 {
            let capNow = cap
            let rules = WorkerCountPlanner.PlanRules(
                order: order,
                admissionWidth: { width[$0] },
                spareGain: { index, workers in
                    jobs[index].curve.hullGain(from: workers) / Double(jobs[index].gpusPerWorker) / max(remaining[index], 60)
                },
                growthCap: { capNow[$0] },
                softHold: { jobs[$0].isRunning },
                mayStop: { claimant, holder in
                    position[holder] > position[claimant] && !settling[holder]
                        && key[holder] > max(Self.stopAfterSeconds, Self.stopRatio * stopKey[claimant])
                },
                stopThreshold: { stopKey[$0] },
                mayStopAny: { claimant in
                    longestRunning > max(Self.stopAfterSeconds, Self.stopRatio * stopKey[claimant])
                },
                reclaimCost: { index, workers in
                    jobs[index].curve.hullGain(from: workers - 1) / Double(jobs[index].gpusPerWorker) / max(remaining[index], 60)
                },
                ownedWidth: { width[$0] })
            counts = WorkerCountPlanner.plan(problem, rules: rules)
            var changed = false
            for (index, job) in jobs.enumerated() where job.isRunning && counts[index] > job.current && cap[index] > job.current {
                let before = remaining[index] / job.curve.speedup(job.current)
                let saved = before - remaining[index] / job.curve.speedup(counts[index])
                if saved < max(Self.growthRestarts * job.snapshot.restartSeconds, Self.growthFraction * before) {
                    cap[index] = job.current
                    changed = true
                }
            }
            if !changed { break }
        }
        return PolicyPlan(counts: counts, order: order, state: Array(repeating: .emptyObject, count: jobs.count))
    }

    /// Remaining one-worker seconds: the estimate, else as long as it has run so far.
    static func expectedRemaining(_ job: AllocationProblem.Job) -> Double {
        if let estimate = job.snapshot.remainingSeconds { return estimate }
        let width = job.curve.speedup(max(job.current, 1))
        return max(job.snapshot.runningSeconds * width, 600)
    }

    /// `requestedWorkers`, or the widest measured width that still scales well.
    static func efficientWidth(_ job: AllocationProblem.Job) -> Int {
        let measured = job.snapshot.measuredWorkers.filter { $0 <= job.maxWorkers }
        let good = measured.filter { job.curve.measured[$0] >= efficientFraction * Double($0) }
        return min(max(job.rigidWidth, good.max() ?? 0), job.maxWorkers)
    }

    /// Past a measured dip, extrapolating from the dip still promises gains
    /// that are not there: growth stops at the best measured width.
    static func bestBeforeDip(_ job: AllocationProblem.Job) -> Int? {
        let measured = job.snapshot.measuredWorkers.filter { $0 <= job.maxWorkers }.sorted()
        guard let widest = measured.last,
            let best = measured.max(by: { job.curve.measured[$0] < job.curve.measured[$1] }),
            job.curve.measured[widest] < job.curve.measured[best]
        else { return nil }
        return max(best, job.current)
    }

    /// A narrower measured width that runs a running job faster than its
    /// current one (a measured dip), when the time saved pays for the restart.
    static func betterNarrowerWidth(_ job: AllocationProblem.Job, remaining: Double) -> Int? {
        let measured = job.snapshot.measuredWorkers
        guard job.isRunning, measured.contains(job.current), job.current <= job.maxWorkers else { return nil }
        let now = job.curve.measured[job.current]
        guard let best = measured.filter({ $0 >= job.minWorkers && $0 < job.current })
            .max(by: { (job.curve.measured[$0], -$0) < (job.curve.measured[$1], -$1) }),
            job.curve.measured[best] > now * 1.02
        else { return nil }
        let saved = remaining * (1 / now - 1 / job.curve.measured[best])
        return saved > growthRestarts * job.snapshot.restartSeconds ? best : nil
    }
}
