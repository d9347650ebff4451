import Foundation
import TideAllocation
import TideJobs
import TideScheduler
import Testing

@Suite struct SnapshotBuilderTests {
    static let round = SnapshotBuilder.Round(policy: "tide", now: 1_000, minResizeInterval: 60)

    @Test func runningJobsCarryTheirPlacementTimesAndState() throws {
        var record = SchedulerRecord()
        record.beginRun([WorkerSlot(index: 0, node: "a", gpus: [2]), WorkerSlot(index: 1, node: "a", gpus: [3])], at: 400)
        record.policyState = .object(["queue": .number(1)])
        let job = Fixtures.job(Fixtures.spec("j", min: 1, max: 4), submitted: 100, record: record)
        let estimate = JobEstimate(speedup: ["1": 1, "2": 1.9], measuredWorkers: [2], remainingSeconds: 3_000, restartSeconds: 12)
        let snapshot = SnapshotBuilder.snapshot(
            jobs: [job], nodes: [Fixtures.node("a", gpus: 4)], estimates: ["j": estimate], round: Self.round)
        let entry = try #require(snapshot.jobs.first)
        #expect(entry.placement == [NodeGPUs(node: "a", gpus: [2, 3])])
        #expect(entry.firstStartTime == 400 && entry.lastResizeTime == nil)
        #expect(entry.runningSeconds == 600 && entry.waitingSeconds == 300)
        #expect(entry.attainedGpuSeconds == 1_200)
        #expect(entry.restartSeconds == 12 && entry.remainingSeconds == 3_000 && entry.measuredWorkers == [2])
        #expect(entry.policyState == .object(["queue": .number(1)]))
        _ = try Allocator.allocate(snapshot)
    }

    @Test func aJobInRetryBackoffWaitsOutOfTheRound() {
        var record = SchedulerRecord()
        record.notBefore = 1_005
        let waiting = Fixtures.job(Fixtures.spec("late"), record: record)
        let snapshot = SnapshotBuilder.snapshot(jobs: [waiting], nodes: [Fixtures.node("a", gpus: 1)], estimates: [:], round: Self.round)
        #expect(snapshot.jobs.isEmpty)
        var later = Self.round
        later.now = 1_005
        #expect(SnapshotBuilder.snapshot(jobs: [waiting], nodes: [], estimates: [:], round: later).jobs.count == 1)
    }

    @Test func aJobWhoseGrowthWasRefusedKeepsItsCountUntilItsBackoffEnds() throws {
        var record = SchedulerRecord()
        record.beginRun([WorkerSlot(index: 0, node: "a", gpus: [0])], at: 0)
        record.noGrowthBefore = 1_060
        let job = Fixtures.job(Fixtures.spec("g", min: 1, max: 4, resize: .live), record: record)
        let held = try #require(
            SnapshotBuilder.snapshot(jobs: [job], nodes: [Fixtures.node("a", gpus: 4)], estimates: [:], round: Self.round).jobs.first)
        #expect(held.maxWorkers == 1 && held.requestedWorkers == 1)
        // All four GPUs are free, and the job still gets only the worker it has.
        let decision = try Allocator.allocate(
            SnapshotBuilder.snapshot(jobs: [job], nodes: [Fixtures.node("a", gpus: 4)], estimates: [:], round: Self.round))
        #expect(decision.allocations["g"]?.workers == 1)
        var later = Self.round
        later.now = 1_060
        let free = try #require(SnapshotBuilder.snapshot(jobs: [job], nodes: [], estimates: [:], round: later).jobs.first)
        #expect(free.maxWorkers == 4 && free.requestedWorkers == 4)
    }

    @Test func aCordonedNodeOffersOnlyWhatItsWorkersHold() {
        var record = SchedulerRecord()
        record.beginRun([WorkerSlot(index: 0, node: "a", gpus: [1])], at: 0)
        let snapshot = SnapshotBuilder.snapshot(
            jobs: [Fixtures.job(Fixtures.spec("j"), record: record)],
            nodes: [Fixtures.node("a", gpus: 4, schedulable: false), Fixtures.node("b", gpus: 2)], estimates: [:],
            round: Self.round)
        #expect(snapshot.nodes.map(\.availableGpus) == [[1], [0, 1]])
    }

    /// `cmd label node a --gpus 2` under workers on GPUs 2 and 3: the round must still be valid (it wedged before).
    @Test(arguments: [("a", 2), ("gone", 4)])
    func workersOnGPUsNoLongerOfferedLeaveTheJobUnplaced(node: String, gpus: Int) throws {
        var record = SchedulerRecord()
        record.beginRun([WorkerSlot(index: 0, node: "a", gpus: [2]), WorkerSlot(index: 1, node: "a", gpus: [3])], at: 0)
        let job = Fixtures.job(Fixtures.spec("j", min: 1, max: 4), record: record)
        let snapshot = SnapshotBuilder.snapshot(jobs: [job], nodes: [Fixtures.node(node, gpus: gpus)], estimates: [:], round: Self.round)
        #expect(snapshot.jobs.first?.placement == [])
        let decision = try Allocator.allocate(snapshot)
        let placed = decision.allocations["j"]?.placement.flatMap(\.gpus) ?? []
        #expect(placed.allSatisfy { $0 < gpus })
    }
}
