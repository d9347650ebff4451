import Testing
import TideSimulation

/// Three jobs on one 4-GPU node under `fifo`, every figure worked out by hand.
///
/// a (t=0, 4 workers, 600 s of work at speedup 4): starts at 0, pauses 30 s,
/// runs 150 s, done at 180. b (t=10, 2 workers, 100 s at speedup 2) and
/// c (t=20, 1 worker, 90 s) wait for a; both start at 180 and are done at
/// 180 + 30 + 50 = 260 and 180 + 30 + 90 = 300. Rounds: arrivals 0, 10, 20;
/// ticks 80, 140; completion 180; tick 240; completion 260 (c still runs;
/// the last completion ends the run without a round).
@Suite struct HandComputedTests {
    static let jobs = [
        SimulatedJob(
            name: "a", arrival: 0, application: "x", work: 600, speedupCurve: [1, 2, 3, 4], maxWorkers: 4,
            requestedWorkers: 4),
        SimulatedJob(
            name: "b", arrival: 10, application: "x", work: 100, speedupCurve: [1, 2], maxWorkers: 2,
            requestedWorkers: 2),
        SimulatedJob(
            name: "c", arrival: 20, application: "x", work: 90, speedupCurve: [1], maxWorkers: 1,
            requestedWorkers: 1),
    ]

    func run() throws -> SimulationResult {
        try ClusterSimulator.run(Self.jobs, config: SimulationConfig(policy: "fifo", nodes: 1, gpusPerNode: 4))
    }

    @Test func eachJobStartsAndEndsWhenExpected() throws {
        let byName = Dictionary(uniqueKeysWithValues: try run().jobs.map { ($0.name, $0) })
        #expect(byName["a"]?.firstStart == 0)
        #expect(byName["b"]?.firstStart == 180)
        #expect(byName["c"]?.firstStart == 180)
        #expect(close(byName["a"]?.completion, 180))
        #expect(close(byName["b"]?.completion, 260))
        #expect(close(byName["c"]?.completion, 300))
    }

    @Test func summaryFigures() throws {
        let result = try run()
        #expect(close(result.averageJCT, (180 + 250 + 280) / 3))
        #expect(close(result.p50JCT, 250))  // nearest rank: ceil(0.5 × 3) = 2nd
        #expect(close(result.p99JCT, 280))  // ceil(0.99 × 3) = 3rd
        #expect(close(result.makespan, 300))
        #expect(close(result.averageQueueingDelay, (0 + 170 + 160) / 3))
        // 4 × 180 + 2 × 80 + 1 × 120 GPU-seconds over 4 GPUs × 300 s.
        #expect(close(result.gpuUtilisation, 1_000 / 1_200))
        #expect(result.restartsPerJob == 0)
        // b: 250 s against 100 / 2 + 30 alone.
        #expect(close(result.worstSlowdown, 250 / 80))
        #expect(result.rounds == 8)
    }

    private func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) < 1e-6
    }
}
