import Foundation
import Testing
import TideAllocation

/// `tide` lets a newcomer wait for GPUs that are about to free up instead of
/// shrinking a running job, and keeps the GPUs a waiting job needs out of
/// the spare phase.
@Suite struct TideWaitingTests {
    /// One 8-GPU node: `long` runs on 4 GPUs with hours left, `ending` on 2
    /// with `endingSeconds` left, 2 GPUs free; `new` (never ran) wants 4.
    func round(endingSeconds: Double) throws -> AllocationDecision {
        let json = """
            {"policy": "tide", "now": 10000, "minResizeInterval": 60,
             "nodes": [{"name": "n1", "gpus": 8}],
             "jobs": [
              {"name": "long", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [0, 1, 2, 3]}], "speedup": {"4": 3.6}, "measuredWorkers": [4],
               "remainingSeconds": 100000},
              {"name": "ending", "minWorkers": 2, "maxWorkers": 2, "requestedWorkers": 2, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [4, 5]}], "speedup": {"2": 2}, "measuredWorkers": [2],
               "remainingSeconds": \(endingSeconds * 2)},
              {"name": "new", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 9990}
             ]}
            """
        let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty)
        return decision
    }

    @Test func newcomerWaitsForGPUsAboutToFree() throws {
        let decision = try round(endingSeconds: 120)
        #expect(decision.workers("long") == 4, "the long job keeps its workers: no restart for a two-minute wait")
        #expect(decision.workers("ending") == 2)
        #expect(decision.workers("new") == 0)
        #expect(decision.pending["new"] != nil)
    }

    @Test func newcomerShrinksALongJobWhenNothingFreesSoon() throws {
        let decision = try round(endingSeconds: 5_000)
        #expect(decision.workers("new") == 4)
        #expect(decision.workers("long") == 2, "the long job gives up two workers for the newcomer")
    }

    /// The GPUs a waiting job needs stay free: the spare phase would have
    /// grown `long` into them, and it would have to shrink again next round.
    @Test func waitingJobsKeepTheirGPUsFromTheSparePhase() throws {
        let json = """
            {"policy": "tide", "now": 10000, "minResizeInterval": 60,
             "nodes": [{"name": "n1", "gpus": 8}],
             "jobs": [
              {"name": "long", "minWorkers": 1, "maxWorkers": 8, "requestedWorkers": 2, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [0, 1]}], "speedup": {"2": 2}, "measuredWorkers": [2],
               "remainingSeconds": 100000},
              {"name": "ending", "minWorkers": 4, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [2, 3, 4, 5]}], "speedup": {"4": 4}, "measuredWorkers": [4],
               "remainingSeconds": 400},
              {"name": "new", "minWorkers": 4, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 9990}
             ]}
            """
        let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty)
        #expect(decision.workers("new") == 0)
        #expect(decision.workers("long") == 2, "the two free GPUs are kept for the waiting job")
    }
}
