/// `afs-l`: Apathetic Fair Share with job Length (Hwang et al., NSDI'21).
///
/// AFS-L compares two jobs A and B for the next GPU and gives it to B when
/// B's throughput gain relative to A's exceeds B's remaining length relative
/// to A's; applied to every pair, that is: the next worker goes to the job
/// with the largest marginal speedup per GPU divided by its remaining
/// one-worker time. Jobs first get their minimum, shortest first. A job with
/// no estimate is taken to be as long as the median of those with one
/// (one hour when none has one), so new jobs neither jump nor starve.
struct AFSLPolicy: AllocationPolicy {
    let name = "afs-l"

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let known = problem.snapshot.jobs.compactMap(\.remainingSeconds).sorted()
        let fallback = known.isEmpty ? 3_600 : known[known.count / 2]
        let length = problem.snapshot.jobs.map { max($0.remainingSeconds ?? fallback, 1) }
        let order = problem.order { length[$0] / problem.curves[$0].speedup(problem.jobs[$0].minWorkers) }
        return elasticPlan(problem, order: order) { index, workers in
            let job = problem.jobs[index]
            return problem.curves[index].hullGain(from: workers) / Double(job.gpusPerWorker) / length[index]
        }
    }
}
