/// `elastic-fifo`: every job its minimum in submission order, then spare GPUs
/// one worker at a time to the job whose next worker adds the most speedup per GPU.
///
/// Source: Voda's `elastic-fifo`. Recomputed from scratch each round, so it
/// resizes freely; that is the naive elastic baseline the spec warns about.
struct ElasticFIFOPolicy: AllocationPolicy {
    let name = "elastic-fifo"

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        elasticPlan(problem, order: problem.contractOrder())
    }
}
