/// `tide`, the default: elastic shortest-expected-remaining-first with a price on every resize.
///
/// - Order, inside strict priority tiers: jobs that never ran first (they
///   take only their minimum and get measured), then by expected remaining
///   time at their present width: the estimate when there is one, else the
///   time already run (least attained service, right for heavy tails).
/// - Every job gets its gang minimum in that order. Running jobs keep their
///   count; a newcomer takes GPUs from them only down to their minimums, and
///   stops a running job only when that job's expected remaining time is
///   long (over an hour and 8 times the newcomer's).
/// - Spare GPUs go one worker at a time to the job with the largest
///   marginal speedup per GPU divided by its expected remaining time, so
///   short jobs finish first (AFS-L's rule), along the concave hull of the
///   speedup curve the contract extrapolates.
/// - A running job grows only when the time it saves (remaining work at the
///   old width minus at the new) exceeds twice its restart cost; otherwise it
///   keeps its count and its GPUs go to others. That is what keeps restarts
///   rare when curves are known only where a job has run.
struct TidePolicy: AllocationPolicy {
    let name = "tide"

    /// A running job is stopped for a newcomer only past this expected remaining time.
    static let stopAfterSeconds = 3_600.0
    static let stopRatio = 8.0
    static let growthCostFactor = 2.0

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let jobs = problem.jobs
        let remaining = jobs.map(Self.expectedRemaining)
        let neverRan = jobs.map { !$0.isRunning && $0.snapshot.firstStartTime == nil && $0.snapshot.attainedGpuSeconds == 0 }
        let key = jobs.indices.map { index -> Double in
            neverRan[index] ? -1 : remaining[index] / jobs[index].curve.speedup(max(jobs[index].current, jobs[index].minWorkers))
        }
        let order = problem.order { key[$0] }
        let longestRunning = jobs.indices.filter { jobs[$0].isRunning }.map { key[$0] }.max() ?? -1
        var cap = Array(repeating: Int.max, count: jobs.count)
        var counts: [Int] = []
        for _ in 0..<4 {
            let capNow = cap
            let rules = WorkerCountPlanner.PlanRules(
                order: order,
                admissionWidth: { $0.minWorkers },
                spareGain: { index, workers in
                    jobs[index].curve.hullGain(from: workers) / Double(jobs[index].gpusPerWorker) / max(remaining[index], 60)
                },
                growthCap: { capNow[$0] },
                softHold: { jobs[$0].isRunning },
                mayStop: { claimant, holder in
                    key[holder] > max(Self.stopAfterSeconds, Self.stopRatio * max(key[claimant], 0))
                },
                mayStopAny: { claimant in
                    longestRunning > max(Self.stopAfterSeconds, Self.stopRatio * max(key[claimant], 0))
                })
            counts = WorkerCountPlanner.plan(problem, rules: rules)
            var changed = false
            for (index, job) in jobs.enumerated() where job.isRunning && counts[index] > job.current && cap[index] > job.current {
                let saved = remaining[index] * (1 / job.curve.speedup(job.current) - 1 / job.curve.speedup(counts[index]))
                if saved < Self.growthCostFactor * job.snapshot.restartSeconds {
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
}
