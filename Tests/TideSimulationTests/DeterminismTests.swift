import Foundation
import TideAllocation
import Testing
import TideSimulation

/// Same trace, same policy: the same schedule, down to the bytes of its JSON.
@Suite struct DeterminismTests {
    @Test(arguments: Allocator.policyNames)
    func sameTraceAndPolicyGiveIdenticalResultsAndJSON(policy: String) throws {
        let jobs = try Fixtures.synthetic40()
        let first = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: policy)).withoutTimings
        let second = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: policy)).withoutTimings
        #expect(first == second)
        let firstJSON = try AllocationCoding.encode(first, pretty: true)
        let secondJSON = try AllocationCoding.encode(second, pretty: true)
        #expect(firstJSON == secondJSON)
        // The JSON carries every job's outcome, not an empty shell.
        #expect(String(decoding: firstJSON, as: UTF8.self).contains("\"\(jobs[0].name)\""))
    }

    @Test func theJobOrderOfTheInputDoesNotMatter() throws {
        let jobs = try Fixtures.synthetic40()
        let forward = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: "tide"))
        let backward = try ClusterSimulator.run(jobs.reversed(), config: SimulationConfig(policy: "tide"))
        #expect(forward.withoutTimings == backward.withoutTimings)
    }
}

extension SimulationResult {
    /// The result with the wall-clock figures zeroed: only they may differ between identical runs.
    var withoutTimings: SimulationResult {
        var copy = self
        copy.wallSeconds = 0
        copy.allocatorWallSeconds = 0
        return copy
    }
}
