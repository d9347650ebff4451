import Testing
import TideSimulation

/// A resize costs 30 s of progress, and is counted.
///
/// One node of 4 GPUs under `elastic-fifo`. a (t=0, 1000 s of work, linear
/// curve, 2...4 workers) gets all 4 GPUs: paused 0-30, then 70 s at speedup 4
/// (280 done). b (t=100, rigid at 2 workers, long) forces a down to its
/// minimum of 2: paused 100-130, then 720 / 2 = 360 s, done at 490. Without the
/// resize's pause it would be done at 100 + 360 = 460.
@Suite struct RestartCostTests {
    static let jobs = [
        SimulatedJob(
            name: "a", arrival: 0, application: "x", work: 1_000, speedupCurve: [1, 2, 3, 4], minWorkers: 2,
            maxWorkers: 4, requestedWorkers: 4),
        SimulatedJob(
            name: "b", arrival: 100, application: "x", work: 100_000, speedupCurve: [1, 2], minWorkers: 2,
            maxWorkers: 2, requestedWorkers: 2),
    ]

    func outcome(_ policy: String) throws -> JobOutcome {
        let result = try ClusterSimulator.run(Self.jobs, config: SimulationConfig(policy: policy, nodes: 1, gpusPerNode: 4))
        return try #require(result.jobs.first { $0.name == "a" })
    }

    @Test func aShrunkJobFinishesAPauseLaterThanWithoutOne() throws {
        let a = try outcome("elastic-fifo")
        let withoutPause = 100 + (1_000 - 70 * 4) / 2.0
        #expect(a.restarts == 1)
        #expect(a.completion >= withoutPause + 30 - 1e-6)
        #expect(abs(a.completion - 490) < 1e-6)
    }

    @Test func aRigidPolicyNeverResizesIt() throws {
        // Under fifo, a keeps its 4 GPUs: one start, 250 s of work, done at 280.
        let a = try outcome("fifo")
        #expect(a.restarts == 0)
        #expect(abs(a.completion - 280) < 1e-6)
    }
}
