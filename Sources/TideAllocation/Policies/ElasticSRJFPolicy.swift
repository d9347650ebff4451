/// `elastic-srjf`: every job its minimum, shortest remaining time (at the
/// minimum) first; spare GPUs by marginal speedup per GPU.
///
/// Source: Voda's `elastic-srjf`, without its bugs (workers below the minimum,
/// maximums exceeded, lost speedup points, crashes with no GPUs).
struct ElasticSRJFPolicy: AllocationPolicy {
    let name = "elastic-srjf"

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        elasticPlan(problem, order: SRJFPolicy.order(problem) { $0.minWorkers })
    }
}
