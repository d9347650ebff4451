/// `elastic-tiresias`: Tiresias' queue order, every job its minimum, then
/// spare GPUs by marginal speedup per GPU.
///
/// Source: Voda's `elastic-tiresias`, without its bugs.
struct ElasticTiresiasPolicy: AllocationPolicy {
    let name = "elastic-tiresias"

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let entries = TiresiasQueues.entries(problem)
        return elasticPlan(problem, order: TiresiasQueues.order(problem, entries: entries),
            state: TiresiasQueues.states(problem, entries: entries))
    }
}
