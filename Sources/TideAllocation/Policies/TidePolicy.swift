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
///   newcomer being taken as typical), and for a claim of its own priority
///   only once it has run as long as it has waited. A newcomer that would
///   otherwise wait over `longWaitSeconds` for running jobs to end may stop
///   any job with over `stopAfterSeconds` left that has not made way before
///   (that `tide` has not stopped: it marks those in their `policyState`)
///   (`TideLongWaits.swift`).
/// - A newcomer waits instead of shrinking anyone when running jobs expected
///   to finish within `soonSeconds` would make room for it: a shrink costs
///   the holder a restart now and usually another when it grows back. The
///   GPUs a waiting job needs are not handed out as spare, so it cannot be
///   starved by running jobs growing into every GPU that frees up.
/// - A wait is bounded: a job that has waited `waitBoundSeconds` in all comes
///   first, and when its width cannot be had it starts on the free GPUs (at
///   least its minimum). Else a job the running jobs may neither make room
///   for nor be stopped for waits until they finish, and the GPUs kept for
///   it idle meanwhile (Pollux workload 4 on 48 GPUs: 660,000 s).
/// - Running jobs otherwise keep their count. A job measured slower than a
///   narrower measured width goes back to it; growth past a measured dip is
///   not tried again.
/// - Spare GPUs first give running jobs back the workers of their efficient
///   width that claims took, in policy order: a job shrunk for a newcomer
///   would otherwise regrow only when its gain ranks first, and a long one
///   waited at its minimum for hours while shorter ones grew past theirs.
/// - The rest go one worker at a time to the job with the largest marginal
///   speedup per GPU divided by its expected remaining time (AFS-L's rule),
///   along the concave hull of the curve the contract extrapolates; but when
///   no job is waiting, to the job expected to finish latest after its
///   submission (time since submission plus remaining time at its count)
///   that still gains from a worker: with nobody to make room for, spare
///   GPUs shorten the longest completion times, not the shortest.
/// - Then a running job may borrow its next worker from a running job at
///   least `lendRatio` times longer, one worker a round, when the time it
///   saves exceeds what the lender loses over the loan and both restarts
///   (`TideLending.swift`): on a full cluster, jobs of an hour or two
///   otherwise ran at their requested width while jobs of days held theirs.
///   A job never resized since its start may borrow within its first settle.
/// - When nobody waits, workers move from the long job whose last worker
///   gains least to the long job whose next worker gains most, when that is
///   `rebalanceStartRatio` times more (`TideRebalancing.swift`): running
///   jobs otherwise keep their count until something ends.
/// - A running job grows only when the time it saves exceeds both
///   `growthRestarts` restarts and `growthFraction` of its remaining time,
///   and not past its efficient width within `settleSeconds` of its last
///   change. With curves known only where a job has run, this is what keeps
///   resizes rare. Back up to its efficient width it may grow at once: a job
///   shrunk for a newcomer otherwise sat at what the claim left it for the
///   whole settle while the GPUs freed meanwhile went to others.
/// - Except on an underloaded cluster: when the efficient widths of all jobs
///   (running ones counted at most at theirs) leave `idleFraction` of the
///   GPUs idle, a job not resized since it started may grow 
///   `firstSettleSeconds` after its start, once measured. Short jobs then get
///   the spare GPUs while they still matter; under load, where growth would
///   only be taken back for the next newcomer, the full settle holds.
///
/// Tuned on the Pollux workloads and a Philly window (docs/benchmarks.md).
struct TidePolicy: AllocationPolicy {
    let name = "tide"

    /// A running job may be stopped for a newcomer only when its expected remaining time exceeds this...
    static let stopAfterSeconds = 1_800.0
    /// ...and this many times the newcomer's.
    static let stopRatio = 4.0
    /// Growth must save more than this many restarts...
    static let growthRestarts = 2.0
    /// ...and more than this fraction of the job's remaining time.
    static let growthFraction = 0.2
    /// No growth within this long of a job's last change.
    static let settleSeconds = 600.0
    /// On an underloaded cluster, a job never resized since it started may grow this long after its start.
    static let firstSettleSeconds = 60.0
    /// The cluster is underloaded when the jobs' efficient widths leave at least this fraction of its GPUs idle.
    static let idleFraction = 0.4
    /// A newcomer that running jobs finishing within this long would make room
    /// for waits for them instead of shrinking anyone: each shrink costs the
    /// holder a restart now and usually another when it grows back.
    static let soonSeconds = 300.0
    /// A job that has waited this long in all starts on the free GPUs when
    /// its efficient width cannot be had: no job waits for ever.
    static let waitBoundSeconds = 1_800.0
    /// A measured width counts as efficient when its speedup is at least this fraction of linear.
    static let efficientFraction = 0.5

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let jobs = problem.jobs
        let curves = problem.curves
        let snapshots = problem.snapshot.jobs
        let remaining = jobs.indices.map { index in
            Self.expectedRemaining(jobs[index], curve: curves[index], estimate: snapshots[index].remainingSeconds, runningSeconds: snapshots[index].runningSeconds)
        }
        let width = jobs.indices.map { Self.efficientWidth(jobs[$0], curve: curves[$0], measuredWorkers: snapshots[$0].measuredWorkers) }
        let neverRan = jobs.indices.map {
            !jobs[$0].isRunning && snapshots[$0].firstStartTime == nil && snapshots[$0].measuredWorkers.isEmpty
        }
        let key = jobs.indices.map { index -> Double in
            let job = jobs[index]
            return neverRan[index] ? -1 : remaining[index] / curves[index].speedup(job.isRunning ? job.current : width[index])
        }
        // A job that has waited its bound comes first and starts on what is free.
        let overdue = jobs.indices.map { !jobs[$0].isRunning && snapshots[$0].waitingSeconds >= Self.waitBoundSeconds }
        let order = problem.order { overdue[$0] ? -2 : key[$0] }
        // A constant, not a variable: `mayStop` reads it in the planner's
        // innermost loop, and a captured variable is boxed and access-checked.
        let position: [Int] = {
            var position = Array(repeating: 0, count: jobs.count)
            for (rank, index) in order.enumerated() { position[index] = rank }
            return position
        }()
        // A newcomer's length is unknown: for stopping others, take it to be typical.
        let knownKeys = jobs.indices.filter { !neverRan[$0] }.map { key[$0] }.sorted()
        let typicalKey = knownKeys.isEmpty ? Self.stopAfterSeconds : knownKeys[knownKeys.count / 2]
        let stopKey = jobs.indices.map { neverRan[$0] ? typicalKey : key[$0] }
        // The usual rule: a claim may stop a job expected to run longer than this.
        let stopsAbove = stopKey.map { max(Self.stopAfterSeconds, Self.stopRatio * $0) }
        // A newcomer facing hours of waiting counts as short when it comes to stopping.
        let longWait = Self.longWaits(problem, order: order, neverRan: neverRan, remaining: remaining)
        // A job is stopped only once it has run as long as it has waited: else, under
        // overload, a job stopped and started again is stopped again after every settle.
        let ranAsLongAsWaited = snapshots.map { $0.runningSeconds >= $0.waitingSeconds }
        // Each job makes way for a long-waiting newcomer once. The policy's own mark, not the
        // time a job waited after its first start: every restart for a resize adds its gap.
        let madeWay = jobs.indices.map { Self.madeWay(snapshots[$0].policyState) }
        // GPUs all jobs would hold at their efficient widths (running ones at most at theirs).
        let demand = jobs.indices.reduce(0) { total, index in
            let job = jobs[index]
            return total + (job.isRunning ? min(job.current, width[index]) : width[index]) * job.gpusPerWorker
        }
        let underloaded = Double(problem.capacity - demand) >= Self.idleFraction * Double(problem.capacity)
        let neverResized = snapshots.map { $0.lastResizeTime == nil || $0.lastResizeTime == $0.firstStartTime }
        let settling = jobs.indices.map { index -> Bool in
            let lastResize = snapshots[index].lastResizeTime, firstStart = snapshots[index].firstStartTime
            guard jobs[index].isRunning, let changed = lastResize ?? firstStart else { return false }
            let settle = underloaded && neverResized[index] ? Self.firstSettleSeconds : Self.settleSeconds
            return problem.snapshot.now - changed < settle
        }
        let longestRunning = jobs.indices.filter { jobs[$0].isRunning }.map { key[$0] }.max() ?? -1
        let beforeDip = jobs.indices.map { Self.bestBeforeDip(jobs[$0], curve: curves[$0], measuredWorkers: snapshots[$0].measuredWorkers) }
        var cap = jobs.indices.map { index -> Int in
            let job = jobs[index]
            if let better = Self.betterNarrowerWidth(
                job, curve: curves[index], measuredWorkers: snapshots[index].measuredWorkers,
                restartSeconds: snapshots[index].restartSeconds, remaining: remaining[index])
            {
                return better
            }
            // The settle keeps a job from growing again soon after a change; growing back to its
            // efficient width after a resize (a shrink for a claim) is not speculative, and a job a
            // newcomer took from would otherwise wait it out at the count the claim left it. A job
            // never resized keeps its count. Never past a measured dip (the growth price refuses
            // that too: the planning curve is flat past a dip).
            if settling[index] {
                return neverResized[index] ? job.current : max(job.current, min(width[index], beforeDip[index] ?? Int.max))
            }
            return beforeDip[index] ?? Int.max
        }
        let soonFree = jobs.indices.reduce(0) { total, index in
            let job = jobs[index]
            guard job.isRunning, snapshots[index].remainingSeconds != nil,
                remaining[index] / curves[index].speedup(job.current) <= Self.soonSeconds
            else { return total }
            return total + job.current * job.gpusPerWorker
        }
        let sinceSubmission = snapshots.map { problem.snapshot.now - $0.submitTime }
        var counts: [Int] = []
        // Each pass caps the jobs whose growth failed the price at their count and plans every
        // job again. Four passes per plan bound its time; a growth still failing the price after
        // the fourth goes through (about 1 round in 300 on the Pollux workloads, 1 in 80 in
        // Philly's target window), and its lowered cap still keeps that job from borrowing or
        // rebalancing. Enforcing it costs workload 1's p99 (docs/allocation.md, "Growth past
        // the price").
        for _ in 0..<4 {
            let capNow = cap
            let rules = WorkerCountPlanner.PlanRules(
                order: order,
                admissionWidth: { width[$0] },
                spareGain: { index, workers in
                    curves[index].hullGain(from: workers) / Double(jobs[index].gpusPerWorker) / max(remaining[index], 60)
                },
                growthCap: { capNow[$0] },
                softHold: { jobs[$0].isRunning },
                mayStop: { claimant, holder in
                    position[holder] > position[claimant] && !settling[holder] && ranAsLongAsWaited[holder]
                        && key[holder] > (longWait[claimant] && !madeWay[holder] ? Self.stopAfterSeconds : stopsAbove[claimant])
                },
                // Long-waiting newcomers stop under a rule of their own (class 1), all alike. One
                // threshold for the class is sound for the planner's pruning only because every
                // long waiter has never run (`longWaits`), so all share `typicalKey` in `mayStop`.
                stopThreshold: { longWait[$0] ? -1 : stopKey[$0] },
                mayStopAny: { claimant in
                    longestRunning > (longWait[claimant] ? Self.stopAfterSeconds : stopsAbove[claimant])
                },
                mayBeStopped: { holder in !settling[holder] && ranAsLongAsWaited[holder] && key[holder] > Self.stopAfterSeconds },
                stopClass: { longWait[$0] ? 1 : 0 },
                reclaimCost: { index, workers in
                    curves[index].hullGain(from: workers - 1) / Double(jobs[index].gpusPerWorker) / max(remaining[index], 60)
                },
                ownedWidth: { width[$0] },
                soonFreeGPUs: soonFree, reserveForWaiting: true, restoreOwnedFirst: true,
                gainWhenNoneWaits: { index, workers in
                    guard curves[index].hullGain(from: workers) > 1e-9 else { return 0 }
                    return sinceSubmission[index] + remaining[index] / max(curves[index].hull[workers], 1e-9)
                },
                admitAtWhatFits: { overdue[$0] })
            counts = WorkerCountPlanner.plan(problem, rules: rules)
            var changed = false
            for (index, job) in jobs.enumerated() where job.isRunning && counts[index] > job.current && cap[index] > job.current {
                let before = remaining[index] / curves[index].speedup(job.current)
                let saved = before - remaining[index] / curves[index].speedup(counts[index])
                if saved < max(Self.growthRestarts * snapshots[index].restartSeconds, Self.growthFraction * before) {
                    cap[index] = job.current
                    changed = true
                }
            }
            if !changed { break }
        }
        // A job never resized since its start, with an estimate of its length, may borrow within
        // its first settle and past the cap the settle and the growth price set; not past a dip.
        let earlyLoanCap = jobs.indices.map { index -> Int? in
            guard neverResized[index], snapshots[index].remainingSeconds != nil else { return nil }
            return beforeDip[index] ?? Int.max
        }
        Self.lend(
            problem, counts: &counts, rank: position, key: key, remaining: remaining, settling: settling, earlyLoanCap: earlyLoanCap, cap: cap)
        Self.rebalance(problem, counts: &counts, rank: position, remaining: remaining, settling: settling, cap: cap)
        var state = Array(repeating: JSONValue.emptyObject, count: jobs.count)
        for index in jobs.indices where madeWay[index] || (jobs[index].isRunning && counts[index] == 0) {
            state[index] = Self.madeWayState
        }
        // A waiting job claims its efficient width (what placement allows of
        // it); past its bound, its minimum.
        let waitsFor = jobs.indices.map { index in
            overdue[index] ? jobs[index].minWorkers : max(jobs[index].minWorkers, min(width[index], problem.workerCaps[index]))
        }
        return PolicyPlan(counts: counts, order: order, state: state, waitsFor: waitsFor)
    }

    /// The `policyState` of a job this policy has stopped, for any claim: it has made way once.
    /// The mark is written with the decision, before the scheduler stops the job; another
    /// policy writes its own state, so a switch away and back clears it.
    static let madeWayState = JSONValue.object(["madeWay": .bool(true)])

    /// Whether this policy stopped the job in an earlier round, by its `policyState`.
    static func madeWay(_ state: JSONValue) -> Bool {
        guard case .object(let fields) = state, !fields.isEmpty else { return false }
        return fields["madeWay"] == .bool(true)
    }

    /// Remaining one-worker seconds: the estimate, else as long as it has run so far.
    static func expectedRemaining(_ job: AllocationProblem.Job, curve: SpeedupCurve, estimate: Double?, runningSeconds: Double) -> Double {
        if let estimate { return estimate }
        let width = curve.speedup(max(job.current, 1))
        return max(runningSeconds * width, 600)
    }

    /// `requestedWorkers`, or the widest measured width that still scales well.
    static func efficientWidth(_ job: AllocationProblem.Job, curve: SpeedupCurve, measuredWorkers: [Int]) -> Int {
        var widest = job.rigidWidth
        for width in measuredWorkers
        where width > widest && width <= job.maxWorkers && curve.measuredSpeedup(width) >= efficientFraction * Double(width) {
            widest = width
        }
        return min(widest, job.maxWorkers)
    }

    /// Past a measured dip, extrapolating from the dip still promises gains
    /// that are not there: growth stops at the best measured width.
    static func bestBeforeDip(_ job: AllocationProblem.Job, curve: SpeedupCurve, measuredWorkers: [Int]) -> Int? {
        var widest = 0, best = 0
        for width in measuredWorkers where width <= job.maxWorkers {
            widest = max(widest, width)
            // The narrowest of equally fast widths, as `max(by:)` over sorted widths gave.
            if best == 0 || curve.measuredSpeedup(width) > curve.measuredSpeedup(best)
                || (curve.measuredSpeedup(width) == curve.measuredSpeedup(best) && width < best)
            {
                best = width
            }
        }
        guard widest > 0, curve.measuredSpeedup(widest) < curve.measuredSpeedup(best) else { return nil }
        return max(best, job.current)
    }

    /// A narrower measured width that runs a running job faster than its
    /// current one (a measured dip), when the time saved pays for the restart.
    static func betterNarrowerWidth(
        _ job: AllocationProblem.Job, curve: SpeedupCurve, measuredWorkers measured: [Int], restartSeconds: Double, remaining: Double
    ) -> Int? {
        guard job.isRunning, measured.contains(job.current), job.current <= job.maxWorkers else { return nil }
        let now = curve.measuredSpeedup(job.current)
        guard let best = measured.filter({ $0 >= job.minWorkers && $0 < job.current })
            .max(by: { (curve.measuredSpeedup($0), -$0) < (curve.measuredSpeedup($1), -$1) }),
            curve.measuredSpeedup(best) > now * 1.02
        else { return nil }
        let saved = remaining * (1 / now - 1 / curve.measuredSpeedup(best))
        return saved > growthRestarts * restartSeconds ? best : nil
    }
}
