/// `ffdl-optimizer`: the width of every job chosen by a dynamic program that
/// maximises the cluster's total speedup, priority tier by tier.
///
/// Each job takes 0 or a width in `minWorkers...maxWorkers`; its value is its
/// planning speedup. Ties go to the job earlier in submission order, which
/// also takes the wider of two equally good widths. Jobs that keep their
/// count by the contract (non-preemptible, recently resized) are fixed first.
/// Source: IBM FfDL's optimizer as ported by Voda (`ffdl-optimizer`).
/// Above 20 million table cells the program would not fit a round's budget;
/// there the policy hands out GPUs greedily along each job's concave hull,
/// which the program's answer equals when curves are concave.
struct FfDLOptimizerPolicy: AllocationPolicy {
    let name = "ffdl-optimizer"

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let order = problem.contractOrder()
        var counts = Array(repeating: 0, count: problem.jobs.count)
        var free = problem.capacity
        var open: [Int] = []
        for index in order {
            let job = problem.jobs[index]
            let fixed = job.floor > 0 ? job.floor : (job.recentlyResized && job.current >= job.minWorkers ? min(job.current, job.maxWorkers) : 0)
            if fixed > 0 {
                counts[index] = fixed
                free -= fixed * job.gpusPerWorker
            } else if job.gpusPerWorker <= problem.largestNode && problem.workerCaps[index] >= job.minWorkers {
                open.append(index)
            }
        }
        if open.count * (max(free, 0) + 1) > 20_000_000 {
            return elasticPlan(problem, order: order)
        }
        var tiers: [Int: [Int]] = [:]
        for index in open { tiers[problem.jobs[index].priority, default: []].append(index) }
        for priority in tiers.keys.sorted(by: >) where free > 0 {
            let chosen = Self.knapsack(problem, jobs: tiers[priority]!, capacity: free)
            for (index, workers) in chosen {
                counts[index] = workers
                free -= workers * problem.jobs[index].gpusPerWorker
            }
        }
        return PolicyPlan(counts: counts, order: order, state: Array(repeating: .emptyObject, count: counts.count))
    }

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
