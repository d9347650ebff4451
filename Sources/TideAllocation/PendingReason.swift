/// Why a job got no workers this round, in words a user can act on.
enum PendingReason {
    static func explain(
        _ job: AllocationProblem.Job, problem: AllocationProblem, freeAfter: Int, fragmented: Bool
    ) -> String {
        let need = job.minWorkers * job.gpusPerWorker
        if job.gpusPerWorker > problem.largestNode {
            return "a worker needs \(job.gpusPerWorker) GPUs, the largest node has \(problem.largestNode) available"
        }
        if need > problem.capacity {
            return "needs \(need) GPUs for its minimum of \(job.minWorkers) workers, only \(problem.capacity) are available"
        }
        let slots = problem.wholeWorkers(gpusPerWorker: job.gpusPerWorker)
        if job.minWorkers > slots {
            return "needs \(job.minWorkers) workers of \(job.gpusPerWorker) GPUs, the nodes' available GPUs hold at most \(slots) such workers"
        }
        if fragmented {
            return "needs \(need) GPUs in \(job.gpusPerWorker)-GPU workers, \(freeAfter) free but spread over nodes"
        }
        let blockers = problem.jobs.filter { $0.priority > job.priority && $0.isRunning }.count
        let suffix = blockers > 0 ? " (\(blockers) higher-priority jobs run first)" : ""
        return "needs \(need) GPUs, \(max(freeAfter, 0)) free\(suffix)"
    }
}
