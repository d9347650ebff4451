import Testing
import TideSimulation

/// The pinned job model: a job alone takes `work / speedup(requested) + 30` s.
@Suite struct CalibrationTests {
    @Test func aJobAloneUnderFIFOTakesItsWorkOverItsSpeedupPlusOneRestart() throws {
        let job = SimulatedJob(
            name: "alone", arrival: 500, application: "cifar10", work: 7_200,
            speedupCurve: [1, 1.9, 2.7, 3.4, 4.0], maxWorkers: 8, requestedWorkers: 4)
        let result = try ClusterSimulator.run([job], config: SimulationConfig(policy: "fifo"))
        let expected = 7_200 / 3.4 + 30
        #expect(result.jobs.count == 1)
        #expect(abs(result.averageJCT - expected) <= expected * 0.01)
        #expect(result.jobs[0].firstStart == 500)
        #expect(result.restartsPerJob == 0)
    }

    @Test(arguments: [0, 7, 19, 39])
    func everyFixtureJobAloneMatchesTheFormula(index: Int) throws {
        var job = try Fixtures.synthetic40()[index]
        job.arrival = 0
        let result = try ClusterSimulator.run([job], config: SimulationConfig(policy: "fifo"))
        let expected = job.work / job.speedup(job.requestedWorkers) + 30
        #expect(abs(result.averageJCT - expected) <= expected * 0.01, "\(job.name)")
        // Alone, a job's slowdown against running alone is 1 by definition.
        #expect(abs(result.worstSlowdown - 1) < 0.01)
    }

    @Test func theRestartCostIsConfigurable() throws {
        let job = SimulatedJob(
            name: "alone", arrival: 0, application: "x", work: 1_000, speedupCurve: [1, 2],
            maxWorkers: 2, requestedWorkers: 2)
        let result = try ClusterSimulator.run([job], config: SimulationConfig(policy: "fifo", restartSeconds: 5))
        #expect(abs(result.averageJCT - 505) < 1e-6)
    }
}
