import TideAllocation
import Testing
import TideSimulation

/// Whatever the policy, every job of a trace finishes exactly once, and no
/// faster than physics allows.
@Suite struct CompletenessTests {
    @Test(arguments: Allocator.policyNames)
    func everyJobCompletesExactlyOnce(policy: String) throws {
        let jobs = try Fixtures.synthetic40()
        let result = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: policy))
        #expect(result.jobs.count == jobs.count)
        #expect(Set(result.jobs.map(\.name)) == Set(jobs.map(\.name)))
        let byName = Dictionary(uniqueKeysWithValues: jobs.map { ($0.name, $0) })
        for outcome in result.jobs {
            let job = try #require(byName[outcome.name])
            #expect(outcome.completion.isFinite, "\(outcome.name) never completed")
            #expect(outcome.firstStart >= job.arrival)
            // At its best width, with the first start's pause, it cannot be faster.
            let best = (job.minWorkers...job.maxWorkers).map(job.speedup).max() ?? 1
            #expect(outcome.completionTime >= job.work / best + 30 - 1e-6, "\(outcome.name) beat its best width")
        }
        #expect(result.gpuUtilisation > 0 && result.gpuUtilisation <= 1 + 1e-9)
        #expect(result.p50JCT <= result.p99JCT)
    }

    @Test func anIdleGapBetweenArrivalsIsSkipped() throws {
        let jobs = [
            SimulatedJob(name: "early", arrival: 0, application: "x", work: 60, speedupCurve: [1], maxWorkers: 1, requestedWorkers: 1),
            SimulatedJob(
                name: "late", arrival: 1_000_000, application: "x", work: 60, speedupCurve: [1], maxWorkers: 1,
                requestedWorkers: 1),
        ]
        let result = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: "tide"))
        #expect(result.jobs.allSatisfy { abs($0.completionTime - 90) < 1e-6 })
        // Not one round per minute of the idle ~11.6 days.
        #expect(result.rounds <= 6)
    }

    @Test func anUnknownPolicyStopsTheRunNamingTheRound() throws {
        let jobs = try Fixtures.synthetic40()
        #expect {
            try ClusterSimulator.run(jobs, config: SimulationConfig(policy: "no-such-policy"))
        } throws: { error in
            "\(error)".contains("round 1") && "\(error)".contains("no-such-policy")
        }
    }
}
