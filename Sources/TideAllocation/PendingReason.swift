/// Why a job got no workers this round, in words a user can act on.
///
/// Built once per round: the counts it quotes are precomputed, so a round
/// with thousands of pending jobs stays linear.
struct PendingReasons {
    private let problem: AllocationProblem
    /// A rigid policy runs a job at `requestedWorkers`: that is what it waits for.
    private let rigid: Bool
    /// Priorities of the jobs the decision runs, ascending.
    private let runningPriorities: [Int]
    /// Pending jobs mostly share a shape; their reasons share one string.
    private var said: [Shape: String] = [:]
    /// The first shapes seen, with their reasons, searched before `said`: a
    /// round has a handful of shapes, and comparing a few beats hashing one.
    private var recent: [(shape: Shape, reason: String)] = []
    private static let recentLimit = 16

    /// Everything a reason depends on. The priority stands in for the
    /// number of higher-priority running jobs it decides.
    private struct Shape: Hashable {
        /// The workers it waits for: its minimum, its requested width under a
        /// rigid policy, or the width the policy claims for it.
        let workers: Int
        /// Whether `workers` is more than the job's minimum (a width it waits for).
        let widerThanMinimum: Bool
        let gpusPerWorker: Int
        let freeAfter: Int
        let fragmented: Bool
        let priority: Int
    }

    /// `running`: the workers the decision gives each job.
    init(_ problem: AllocationProblem, rigid: Bool = false, running: [Int]) {
        self.problem = problem
        self.rigid = rigid
        runningPriorities = problem.jobs.indices.compactMap { running[$0] > 0 ? problem.jobs[$0].priority : nil }.sorted()
    }

    /// `waitsFor`: the workers the policy would start it with.
    mutating func explain(_ job: AllocationProblem.Job, waitsFor: Int, freeAfter: Int, fragmented: Bool) -> String {
        let shape = Shape(
            workers: waitsFor, widerThanMinimum: waitsFor > job.minWorkers, gpusPerWorker: job.gpusPerWorker, freeAfter: freeAfter,
            fragmented: fragmented, priority: job.priority)
        for entry in recent where entry.shape == shape { return entry.reason }
        if let known = said[shape] { return known }
        let reason = explain(shape)
        if recent.count < Self.recentLimit {
            recent.append((shape, reason))
        } else {
            said[shape] = reason
        }
        return reason
    }

    private mutating func explain(_ job: Shape) -> String {
        let freeAfter = job.freeAfter
        let need = job.workers * job.gpusPerWorker
        if job.gpusPerWorker > problem.largestNode {
            return "a worker needs \(gpus(job.gpusPerWorker)), the largest node has \(problem.largestNode) available"
        }
        let width = job.widerThanMinimum ? "width" : "minimum"
        if need > problem.capacity {
            return "needs \(gpus(need)) for its \(width) of \(job.workers) workers, only \(problem.capacity) are available"
        }
        let slots = problem.wholeWorkers(gpusPerWorker: job.gpusPerWorker)
        if job.workers > slots {
            return "needs \(job.workers) workers of \(gpus(job.gpusPerWorker)), the nodes' available GPUs hold at most \(slots) such workers"
        }
        if job.fragmented {
            return "needs \(gpus(need)) in \(job.gpusPerWorker)-GPU workers, \(freeAfter) free but spread over nodes"
        }
        let blockers = runningPriorities.count - firstAbove(job.priority)
        let suffix = blockers > 0 ? " (\(blockers) higher-priority \(blockers == 1 ? "job runs" : "jobs run") first)" : ""
        // A policy that waits for a width wider than the minimum says so: the
        // free GPUs may hold the minimum.
        let purpose = job.widerThanMinimum && !rigid ? " for its width of \(job.workers) workers" : ""
        if freeAfter >= need {
            return "needs \(gpus(need))\(purpose), \(freeAfter) free but kept for jobs ahead of it\(suffix)"
        }
        return "needs \(gpus(need))\(purpose), \(max(freeAfter, 0)) free\(suffix)"
    }

    /// Index of the first running priority above `priority`.
    private func firstAbove(_ priority: Int) -> Int {
        var low = 0, high = runningPriorities.count
        while low < high {
            let mid = (low + high) / 2
            if runningPriorities[mid] <= priority { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func gpus(_ count: Int) -> String { count == 1 ? "1 GPU" : "\(count) GPUs" }
}
