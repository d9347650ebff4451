/// `tiresias`: discretised two-queue least-attained-service (2D-LAS), rigid.
///
/// Jobs run at `requestedWorkers` in queue order (see `TiresiasQueues`); a job
/// that does not fit is skipped, and a running job can be preempted by an
/// earlier one. Source: Gu et al., NSDI'19, as in the Pollux OSDI'21
/// artifact's `tiresias.py` (two queues, demotion at 57,600, no promotion).
struct TiresiasPolicy: AllocationPolicy {
    let name = "tiresias"
    let isRigid = true

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        let entries = TiresiasQueues.entries(problem)
        return rigidPlan(problem, order: TiresiasQueues.order(problem, entries: entries),
            state: TiresiasQueues.states(problem, entries: entries))
    }
}
