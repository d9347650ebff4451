import TideAllocation
import Testing
@testable import TideSimulation

/// A decision that breaks an invariant stops the run, naming the round and the job.
@Suite struct DecisionCheckTests {
    static let jobs = [
        SimulatedJob(name: "a", arrival: 0, application: "x", work: 60, speedupCurve: [1, 2], maxWorkers: 2, requestedWorkers: 2),
        SimulatedJob(name: "b", arrival: 0, application: "x", work: 60, speedupCurve: [1, 2], maxWorkers: 2, requestedWorkers: 2),
    ]

    func check(_ allocations: [String: JobAllocation], pending: [String: String] = [:]) throws {
        var check = DecisionCheck(nodes: [NodeSnapshot(name: "n0", gpus: 4)], gpusPerNode: 4)
        let decision = AllocationDecision(allocations: allocations, pending: pending)
        for job in Self.jobs {
            try check.check(job, allocations[job.name], in: decision, round: 7, time: 420)
        }
        try check.checkAnswered(decision, jobs: Self.jobs.count, names: Self.jobs.map(\.name), round: 7, time: 420)
    }

    func on(_ gpus: [Int], node: String = "n0") -> JobAllocation {
        JobAllocation(workers: gpus.count, placement: [NodeGPUs(node: node, gpus: gpus)])
    }

    func refused(_ job: String, _ words: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as SimulationError {
            return error.round == 7 && error.job == job && "\(error)".contains("round 7") && "\(error)".contains(words)
        } catch {
            return false
        }
    }

    @Test func aGoodDecisionPasses() throws {
        try check(["a": on([0, 1]), "b": on([2, 3])])
        try check(["a": on([0, 1])], pending: ["b": "waits"])
    }

    @Test func aGPUGivenTwiceIsRefused() {
        #expect(refused("b", "given twice") { try check(["a": on([0, 1]), "b": on([1, 2])]) })
    }

    @Test func workersOutsideTheRangeAreRefused() {
        #expect(refused("a", "outside") { try check(["a": on([0, 1, 2]), "b": on([3])]) })
    }

    @Test func aPlacementThatDoesNotHoldTheWorkersIsRefused() {
        let short = JobAllocation(workers: 2, placement: [NodeGPUs(node: "n0", gpus: [0])])
        #expect(refused("a", "placement") { try check(["a": short], pending: ["b": "waits"]) })
    }

    @Test func aGPUOutsideTheClusterIsRefused() {
        #expect(refused("a", "unknown node") { try check(["a": on([0], node: "n9"), "b": on([1])]) })
        #expect(refused("a", "does not exist") { try check(["a": on([4]), "b": on([1])]) })
    }

    @Test func aJobLeftOutOrInventedOrAnsweredTwiceIsRefused() {
        #expect(refused("b", "neither") { try check(["a": on([0, 1])]) })
        #expect(refused("z", "not in the snapshot") { try check(["a": on([0]), "b": on([1]), "z": on([2])]) })
        #expect(refused("a", "both") { try check(["a": on([0]), "b": on([1])], pending: ["a": "waits"]) })
    }
}
