/// `srjf`: shortest remaining job first, at `requestedWorkers`, preemptive.
///
/// Remaining time at the job's width is `remainingSeconds / speedup(requested)`;
/// jobs with no estimate yet come after those with one, in submission order.
/// Source: Voda's `srjf`.
struct SRJFPolicy: AllocationPolicy {
    let name = "srjf"
    let isRigid = true

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        rigidPlan(problem, order: Self.order(problem) { $0.rigidWidth })
    }

    /// Jobs by remaining time at `width`, unknown last.
    static func order(_ problem: AllocationProblem, width: (AllocationProblem.Job) -> Int) -> [Int] {
        problem.order { index in
            let job = problem.jobs[index]
            return problem.snapshot.jobs[index].remainingSeconds.map { $0 / problem.curves[index].speedup(max(width(job), 1)) } ?? .infinity
        }
    }
}
