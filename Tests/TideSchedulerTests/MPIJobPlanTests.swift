import TideAllocation
import TideCore
import TideScheduler
import Testing

/// An MPIJob resizes live by scaling its replicas, and the MPI operator removes
/// the highest workers: any other shrink is a restart.
@Suite struct MPIJobPlanTests {
    static func running(mpi: Bool) -> ManagedJob {
        var spec = Fixtures.spec("mnist", max: 4, resize: .live)
        if mpi { spec.mpiJob = .object(["kind": "MPIJob"]) }
        var record = SchedulerRecord()
        record.beginRun((0..<3).map { WorkerSlot(index: $0, node: "n", gpus: [$0]) }, at: 0)
        return Fixtures.job(spec, record: record)
    }

    static func plan(_ job: ManagedJob, keeping gpus: [Int]) -> RoundPlan.Change? {
        let decision = AllocationDecision(
            allocations: ["mnist": JobAllocation(workers: gpus.count, placement: [NodeGPUs(node: "n", gpus: gpus)])])
        return RoundPlan.plan(decision, jobs: [job]).changes["mnist"]
    }

    @Test func aShrinkFromTheTopScalesDown() {
        #expect(Self.plan(Self.running(mpi: true), keeping: [0, 1]) == .shrink(removing: [2]))
    }

    @Test func aShrinkOfAnotherWorkerRestartsAnMPIJobButNotATideJob() {
        #expect(Self.plan(Self.running(mpi: true), keeping: [0, 2]) == .restart([WorkerSlot(index: 0, node: "n", gpus: [0]), WorkerSlot(index: 1, node: "n", gpus: [2])]))
        #expect(Self.plan(Self.running(mpi: false), keeping: [0, 2]) == .shrink(removing: [1]))
    }
}
