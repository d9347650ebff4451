import Foundation
import TideAllocation
import TideAllocatorService
import Testing

@Suite struct AllocationHandlerTests {
    static let snapshot = AllocationSnapshot(
        policy: "tide", now: 600,
        nodes: [NodeSnapshot(name: "n1", gpus: 4), NodeSnapshot(name: "n2", gpus: 4)],
        jobs: [
            JobSnapshot(name: "a", minWorkers: 1, maxWorkers: 4, requestedWorkers: 2, submitTime: 0),
            JobSnapshot(name: "b", minWorkers: 2, maxWorkers: 8, requestedWorkers: 4, submitTime: 10),
        ])

    @Test func answersExactlyWhatAllocateAnswers() throws {
        let handler = AllocationHandler(metrics: AllocatorMetrics())
        let body = try AllocationCoding.encode(Self.snapshot)
        let reply = try handler.respond(to: body)
        #expect(reply == (try AllocationCoding.encode(try Allocator.allocate(Self.snapshot))))
        let decision = try JSONDecoder().decode(AllocationDecision.self, from: reply)
        #expect(Set(decision.allocations.keys).union(decision.pending.keys) == ["a", "b"])
        // Stateless: the same request gets the same bytes.
        #expect(try handler.respond(to: body) == reply)
    }

    @Test func refusesWhatIsNotJSON() throws {
        let handler = AllocationHandler(metrics: AllocatorMetrics())
        let error = #expect(throws: AllocationRequestError.self) { try handler.respond(to: Data("{nodes: oops".utf8)) }
        #expect(error?.field == "(document)")
        #expect(error?.description.hasPrefix("invalid allocation request:") == true)
    }

    @Test func namesTheBadField() throws {
        let handler = AllocationHandler(metrics: AllocatorMetrics())
        var snapshot = Self.snapshot
        snapshot.jobs[1].minWorkers = 9
        let error = #expect(throws: AllocationRequestError.self) { try handler.respond(to: try AllocationCoding.encode(snapshot)) }
        #expect(error?.field == "jobs[1].maxWorkers")
        let missing = #expect(throws: AllocationRequestError.self) {
            try handler.respond(to: Data(#"{"policy":"tide","jobs":[]}"#.utf8))
        }
        #expect(missing?.field == "nodes")
        let policy = #expect(throws: AllocationRequestError.self) {
            try handler.respond(to: Data(#"{"policy":"best","nodes":[],"jobs":[]}"#.utf8))
        }
        #expect(policy?.field == "policy")
        #expect(policy?.message.contains("unknown policy 'best'") == true)
    }

    @Test func countsRoundsAndErrors() throws {
        let metrics = AllocatorMetrics()
        let handler = AllocationHandler(metrics: metrics)
        _ = try handler.respond(to: try AllocationCoding.encode(Self.snapshot))
        _ = try handler.respond(to: try AllocationCoding.encode(Self.snapshot))
        _ = try? handler.respond(to: Data("[]".utf8))
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"tide_allocator_rounds_total{policy="tide"} 2"#))
        #expect(text.contains(#"tide_allocator_errors_total{kind="invalid_request"} 1"#))
        #expect(text.contains(#"tide_allocator_round_duration_seconds_count{policy="tide"} 2"#))
    }
}
