/// `fifo`: jobs in submission order at `requestedWorkers`; a job that does not
/// fit is skipped and later ones may start (backfill), as in Voda's FIFO.
///
/// Source: Voda (heyfey/vodascheduler), `fifo`; Voda's version started jobs
/// below their minimum and crashed with no GPUs, this one does neither.
struct FIFOPolicy: AllocationPolicy {
    let name = "fifo"
    let isRigid = true

    func plan(_ problem: AllocationProblem) -> PolicyPlan {
        rigidPlan(problem, order: problem.contractOrder())
    }
}
