extension TidePolicy {
    /// A newcomer whose turn, by the queue ahead of it and the running jobs'
    /// expected ends, comes no sooner than this counts as short for stopping.
    static let longWaitSeconds = 21_600.0

    /// Which waiting newcomers would wait over `longWaitSeconds` for GPUs that
    /// running jobs free by ending: in policy order, each needs its minimum
    /// after those ahead of it, from the GPUs free now, those of the jobs with
    /// an estimate expected to end within that time, and those of preemptible
    /// running jobs of a lower priority (its claim may take them now). A job
    /// no node set holds at its minimum never runs, and needs nothing. A
    /// heuristic: a claim is for the efficient width, not the minimum.
    ///
    /// Such a newcomer may stop any steady running job with over
    /// `stopAfterSeconds` left, not only one `stopRatio` times longer than a
    /// typical job. The typical job is the median of those the snapshot knows,
    /// and a cluster full of long jobs is full of survivors: the short ones
    /// ended. On Philly's second window at 256 GPUs, 255 running one-GPU jobs
    /// had a median of 42,000 s left, no newcomer could stop any of them, and
    /// 807 newcomers, most of them under an hour long, waited 5,000 s on the
    /// average (docs/allocation.md, "Kept (2026-11-24, night)"). Where jobs
    /// end within hours, newcomers wait for them as before: stopping for every
    /// newcomer made jobs restart 4-10 times on the Pollux workloads at 32 GPUs.
    static func longWaits(_ problem: AllocationProblem, order: [Int], neverRan: [Bool], remaining: [Double]) -> [Bool] {
        let jobs = problem.jobs, snapshots = problem.snapshot.jobs
        var longWait = Array(repeating: false, count: jobs.count)
        guard jobs.indices.contains(where: { neverRan[$0] }) else { return longWait }
        var freed = problem.capacity
        var stoppable: [(priority: Int, gpus: Int)] = []
        for (index, job) in jobs.enumerated() where job.isRunning {
            let gpus = job.current * job.gpusPerWorker
            freed -= gpus
            let ends = snapshots[index].remainingSeconds != nil
                && remaining[index] / problem.curves[index].speedup(job.current) <= longWaitSeconds
            if ends { freed += gpus } else if job.floor == 0 { stoppable.append((job.priority, gpus)) }
        }
        // GPUs of running jobs of a lower priority than a claim's are its to take now.
        stoppable.sort { $0.priority > $1.priority }
        var lowerTotal = stoppable.reduce(0) { $0 + $1.gpus }
        var next = 0
        var need = 0
        for index in order where !jobs[index].isRunning {
            let size = jobs[index].gpusPerWorker
            let whole = problem.wholeWorkers(gpusPerWorker: size)
            // A job no node set can hold at its minimum never runs: it delays nobody.
            guard jobs[index].minWorkers <= whole else { continue }
            need += jobs[index].minWorkers * size
            while next < stoppable.count && stoppable[next].priority >= jobs[index].priority {
                lowerTotal -= stoppable[next].gpus
                next += 1
            }
            longWait[index] = neverRan[index] && need > freed + lowerTotal
        }
        return longWait
    }
}
