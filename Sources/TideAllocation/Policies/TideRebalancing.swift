extension TidePolicy {
    /// Rebalancing moves workers only between jobs with at least this long
    /// left at their count: their restarts are then small beside the gain.
    static let rebalanceMinRemainingSeconds = 3_600.0
    /// The next worker of the taker must gain this many times what the
    /// giver's last worker does before anything moves...
    static let rebalanceStartRatio = 3.0
    /// ...and workers then move one at a time while it gains this many times.
    static let rebalanceStopRatio = 1.25
    /// Pairs of jobs rebalanced in one round, each job in one pair at most.
    static let rebalancePairsPerRound = 4

    /// Rebalancing, after the plan and lending, when nobody waits: workers
    /// move from the long job whose last worker gains least to the long job
    /// whose next worker gains most.
    ///
    /// With jobs waiting, who runs at what width is the order's business;
    /// with nobody waiting, running jobs otherwise keep their count until
    /// something ends, and on Philly a job of days could hold 16 workers
    /// whose last ones added little while another sat at one worker. Moving
    /// workers where they gain several times more finishes both sooner
    /// overall, and the restarts are small against jobs with hours left.
    /// The gains are along the concave hull of each curve, per GPU, and a move
    /// is priced as a loan: the time the taker saves must exceed the giver's
    /// delay and both restarts.
    ///
    /// Neither side may be settling, resized within `minResizeInterval`,
    /// non-preemptible or already changed by this round's plan; the giver
    /// keeps its minimum and never gives to a lower priority, the taker
    /// stays within its growth cap.
    static func rebalance(
        _ problem: AllocationProblem, counts: inout [Int], rank: [Int], remaining: [Double], settling: [Bool], cap: [Int]
    ) {
        let jobs = problem.jobs, curves = problem.curves, restart = problem.snapshot.jobs.map(\.restartSeconds)
        guard !counts.contains(0) else { return }
        var candidates = jobs.indices.filter { index in
            let job = jobs[index]
            return isSteady(job, settling: settling[index]) && counts[index] == job.current
                && remaining[index] / curves[index].speedup(job.current) > rebalanceMinRemainingSeconds
        }
        func gain(_ index: Int) -> Double {
            guard counts[index] < min(jobs[index].maxWorkers, cap[index], problem.workerCaps[index]) else { return 0 }
            return curves[index].hullGain(from: counts[index]) / Double(jobs[index].gpusPerWorker)
        }
        func loss(_ index: Int) -> Double {
            guard counts[index] > jobs[index].minWorkers else { return .infinity }
            return curves[index].hullGain(from: counts[index] - 1) / Double(jobs[index].gpusPerWorker)
        }
        func time(_ index: Int, _ workers: Int) -> Double { remaining[index] / curves[index].speedup(workers) }
        var pairs = 0
        while pairs < rebalancePairsPerRound {
            // Ties go to the earlier job in policy order, as everywhere in a round.
            guard let taker = candidates.max(by: { (gain($0), rank[$1]) < (gain($1), rank[$0]) }), gain(taker) > 0 else { return }
            candidates.removeAll { $0 == taker }
            let givers = candidates.filter { index in
                jobs[index].gpusPerWorker == jobs[taker].gpusPerWorker && jobs[index].priority <= jobs[taker].priority
            }
            guard let giver = givers.min(by: { (loss($0), rank[$0]) < (loss($1), rank[$1]) }), gain(taker) > rebalanceStartRatio * loss(giver)
            else { continue }
            let (takerFrom, giverFrom) = (counts[taker], counts[giver])
            while gain(taker) > rebalanceStopRatio * loss(giver) {
                counts[taker] += 1
                counts[giver] -= 1
            }
            // Priced as a loan: the time the taker saves must exceed the giver's delay and both restarts.
            let saved = time(taker, takerFrom) - time(taker, counts[taker])
            let delay = time(giver, counts[giver]) - time(giver, giverFrom)
            guard saved > delay + restart[taker] + restart[giver] else {
                (counts[taker], counts[giver]) = (takerFrom, giverFrom)
                continue
            }
            candidates.removeAll { $0 == giver }
            pairs += 1
        }
    }
}
