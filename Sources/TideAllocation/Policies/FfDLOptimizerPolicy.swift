/// `ffdl-optimizer`: the width of every job chosen by a dynamic program that
/// maximises the cluster's total speedup, priority tier by tier.
///
/// Each job takes 0 or a width in `minWorkers...maxWorkers`; its value is its
/// planning speedup. Ties go to the job earlier in submission order, which
/// also takes the wider of two equally good widths. Jobs that keep their
/// count by the contract are fixed first: non-preemptible ones always, recently
/// resized ones against their own tier and those below.
/// Source: IBM FfDL's optimizer as ported by Voda (`ffdl-optimizer`).
/// Above 20 million table cells, or 100 million widths tried over them, the
/// program would not fit a round's budget; there the policy hands out GPUs greedily along each job's concave hull,
/// which the program's answer equals when curves are concave.
struct FfDLOptimizerPolicy: AllocationPolicy {
    let name = "ffdl-optimizer"

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let order = problem.contractOrder()
        var counts = Array(repeating: 0, count: problem.jobs.count)
        var free = problem.capacity
        var open: [Int] = []
        // Recently resized jobs keep their count against their own tier and
        // those below; a higher tier may take their GPUs for jobs that would
        // otherwise get none (the contract's "higher-priority job"), not to
        // grow the others.
        var recent: [Int] = []
        for index in order {
            let job = problem.jobs[index]
            if job.floor > 0 {
                counts[index] = job.floor
                free -= job.floor * job.gpusPerWorker
            } else if job.recentlyResized && job.current >= job.minWorkers {
                recent.append(index)
            } else if job.gpusPerWorker <= problem.largestNode && problem.workerCaps[index] >= job.minWorkers {
                open.append(index)
            }
        }
        var keptBelow = recent.reduce(0) { $0 + Self.kept(problem.jobs[$1]) * problem.jobs[$1].gpusPerWorker }
        // The table's cells, and the widths tried in each: both bound the round's time.
        let room = max(free - keptBelow, 0)
        let widthsTried = open.reduce(0) { total, index in
            let job = problem.jobs[index]
            return total + max(min(job.maxWorkers, room / job.gpusPerWorker) - job.minWorkers + 1, 0)
        }
        if open.count * (room + 1) > 20_000_000 || widthsTried * (room + 1) > 100_000_000 {
            return elasticPlan(problem, order: order)
        }
        var tiers: [Int: (recent: [Int], open: [Int])] = [:]
        for index in recent { tiers[problem.jobs[index].priority, default: ([], [])].recent.append(index) }
        for index in open { tiers[problem.jobs[index].priority, default: ([], [])].open.append(index) }
        for priority in tiers.keys.sorted(by: >) {
            let tier = tiers[priority]!
            // This tier's recent jobs first, in contract order, as far as higher
            // tiers left room: a shortfall falls on the lowest tiers, last first.
            keptBelow -= tier.recent.reduce(0) { $0 + Self.kept(problem.jobs[$1]) * problem.jobs[$1].gpusPerWorker }
            for index in tier.recent {
                let job = problem.jobs[index]
                let fits = min(Self.kept(job), max(free, 0) / job.gpusPerWorker)
                counts[index] = fits >= job.minWorkers ? fits : 0
                free -= counts[index] * job.gpusPerWorker
            }
            guard !tier.open.isEmpty, free > 0 else { continue }
            let unreserved = max(free - keptBelow, 0)
            var chosen = Self.knapsack(problem, jobs: tier.open, capacity: unreserved)
            let started = Set(chosen.map(\.0))
            let starved = tier.open.filter { !started.contains($0) }
            if !starved.isEmpty && keptBelow > 0 {
                // Jobs left out may take lower tiers' recent GPUs: those keep
                // their count unless a higher-priority job needs the GPUs.
                let used = chosen.reduce(0) { $0 + $1.1 * problem.jobs[$1.0].gpusPerWorker }
                chosen += Self.knapsack(problem, jobs: starved, capacity: free - used)
            }
            for (index, workers) in chosen {
                counts[index] = workers
                free -= workers * problem.jobs[index].gpusPerWorker
            }
        }
        return PolicyPlan(counts: counts, order: order, state: Array(repeating: .emptyObject, count: counts.count))
    }

    /// The count a recently resized job keeps.
    private static func kept(_ job: AllocationProblem.Job) -> Int { min(job.current, job.maxWorkers) }

    /// Best widths for `jobs` (in tie-break order) within `capacity` GPUs.
    static func knapsack(_ problem: AllocationProblem, jobs: [Int], capacity: Int) -> [(Int, Int)] {
        let width = capacity + 1
        // best[i * width + c]: the most total speedup jobs i... can reach with c GPUs.
        var best = [Double](repeating: 0, count: (jobs.count + 1) * width)
        var choice = [Int32](repeating: 0, count: jobs.count * width)
        for position in stride(from: jobs.count - 1, through: 0, by: -1) {
            let job = problem.jobs[jobs[position]]
            let curve = problem.curves[jobs[position]]
            let options = job.minWorkers...min(usefulWidths(job, curve: curve).upperBound, problem.workerCaps[jobs[position]])
            for c in 0...capacity {
                var bestValue = best[(position + 1) * width + c]
                var bestWorkers = 0
                for workers in options {
                    let gpus = workers * job.gpusPerWorker
                    if gpus > c { break }
                    let value = curve.speedup(workers) + best[(position + 1) * width + c - gpus]
                    if value > bestValue + 1e-9 || (abs(value - bestValue) <= 1e-9 && workers > bestWorkers) {
                        bestValue = value
                        bestWorkers = workers
                    }
                }
                best[position * width + c] = bestValue
                choice[position * width + c] = Int32(bestWorkers)
            }
        }
        var result: [(Int, Int)] = []
        var c = capacity
        for position in jobs.indices {
            let workers = Int(choice[position * width + c])
            if workers > 0 {
                result.append((jobs[position], workers))
                c -= workers * problem.jobs[jobs[position]].gpusPerWorker
            }
        }
        return result
    }

    /// Widths from the minimum up to where the planning curve stops rising.
    private static func usefulWidths(_ job: AllocationProblem.Job, curve: SpeedupCurve) -> ClosedRange<Int> {
        var top = job.minWorkers
        for workers in stride(from: job.minWorkers + 1, through: job.maxWorkers, by: 1)
        where curve.speedup(workers) > curve.speedup(top) + 1e-9 {
            top = workers
        }
        return job.minWorkers...top
    }
}
