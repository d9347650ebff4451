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
    /// The gains are along the concave hull of each curve, per GPU.
    ///
    /// Neither side may be settling, resized within `minResizeInterval`,
    /// non-preemptible or already changed by this round's plan; the giver
    /// keeps its minimum and never gives to a lower priority, the taker
    /// stays within its growth cap.
    static func rebalance(
        _ problem: AllocationProblem, counts: inout [Int], remaining: [Double], settling: [Bool], cap: [Int]
    ) {
        let jobs = problem.jobs, curves = problem.curves
        guard !counts.contains(0) else { return }
        var candidates = jobs.indices.filter { index in
            let job = jobs[index]
            return job.isRunning && !job.recentlyResized && job.floor == 0 && !settling[index] && counts[index] == job.current
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
        for _ in 0..<rebalancePairsPerRound {
            // Ties go to the earlier job in the snapshot, so the result never depends on hashing.
            guard let taker = candidates.max(by: { (gain($0), $1) < (gain($1), $0) }) else { return }
            let givers = candidates.filter { index in
                index != taker && jobs[index].gpusPerWorker == jobs[taker].gpusPerWorker && jobs[index].priority <= jobs[taker].priority
            }
            guard let giver = givers.min(by: { (loss($0), $0) < (loss($1), $1) }), gain(taker) > rebalanceStartRatio * loss(giver)
            else { return }
            while gain(taker) > rebalanceStopRatio * loss(giver) {
                counts[taker] += 1
                counts[giver] -= 1
            }
            candidates.removeAll { $0 == taker || $0 == giver }
        }
    }
}
