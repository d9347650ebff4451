import Foundation
import Logging
import TideAllocation
import TideBroker
import TideHTTP
import TideTestSupport
import Testing

/// `resource-allocator` processes on the real broker, each test on a queue of its own.
@Suite struct AllocatorReplicaTests {
    /// One replica: its process and its HTTP address.
    struct Replica {
        let process: ChildProcess
        let url: String

        static func start(queue: String) async throws -> Replica {
            let process = try ChildProcess([
                try builtExecutable("resource-allocator").path, "--port", "0", "--host", "127.0.0.1",
                "--amqp-uri", try TestServers.amqpURI, "--queue", queue,
            ])
            let port = try await process.waitForLog(#"listening on 127\.0\.0\.1:(\d+)"#)
            _ = try await process.waitForLog("serving allocation requests")
            return Replica(process: process, url: "http://127.0.0.1:\(port)")
        }

        func get(_ path: String) async throws -> (status: Int, body: String) {
            let response = try await CurlHTTPClient().send(HTTPRequest(method: "GET", url: url + path))
            return (response.head.status, String(decoding: response.body, as: UTF8.self))
        }

        /// Rounds this replica answered, from its /metrics.
        func rounds() async throws -> Int {
            let text = try await get("/metrics").body
            let match = text.firstMatch(of: /tide_allocator_rounds_total\{policy="tide"\} (\d+)/)
            return match.map { Int($0.1)! } ?? 0
        }
    }

    static func snapshot(_ seed: Int) -> AllocationSnapshot {
        AllocationSnapshot(
            policy: "tide", now: Double(seed),
            nodes: [NodeSnapshot(name: "n1", gpus: 4), NodeSnapshot(name: "n2", gpus: 8)],
            jobs: (0..<(seed % 7 + 2)).map { index in
                JobSnapshot(name: "job-\(index)", minWorkers: 1 + index % 2, maxWorkers: 4 + index, submitTime: Double(index))
            })
    }

    static func client() async throws -> RPCClient {
        try await RPCClient(configuration: try BrokerConfiguration(uri: try TestServers.amqpURI), logger: Logger(label: "test"))
    }

    @Test func replicasShareTheQueueAndSurviveBadRequestsAndEachOthersDeath() async throws {
        let queue = TestServers.uniqueName("tide.allocator.test")
        let first = try await Replica.start(queue: queue)
        let second = try await Replica.start(queue: queue)
        defer {
            first.process.signal(SIGKILL)
            second.process.signal(SIGKILL)
        }
        #expect(try await first.get("/readyz").status == 200)
        #expect(try await first.get("/healthz").status == 200)
        let client = try await Self.client()
        defer { client.close() }

        // Forty requests at once: every reply is exactly the library's decision.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seed in 0..<40 {
                group.addTask {
                    let snapshot = Self.snapshot(seed)
                    let reply = try await client.call(queue: queue, body: try AllocationCoding.encode(snapshot), timeout: .seconds(30))
                    #expect(reply == (try AllocationCoding.encode(try Allocator.allocate(snapshot))))
                }
            }
            try await group.waitForAll()
        }
        let firstRounds = try await first.rounds(), secondRounds = try await second.rounds()
        #expect(firstRounds + secondRounds == 40)
        #expect(firstRounds > 0 && secondRounds > 0, "both replicas answer: \(firstRounds) and \(secondRounds)")

        // A malformed request gets an error reply naming the field; nobody crashes.
        var bad = Self.snapshot(1)
        bad.jobs[0].gpusPerWorker = 0
        for _ in 0..<2 {
            await #expect {
                _ = try await client.call(queue: queue, body: try AllocationCoding.encode(bad), timeout: .seconds(30))
            } throws: { error in
                guard case BrokerError.rpcRemoteError(_, let message) = error else { return false }
                return message.contains("jobs[0].gpusPerWorker") && message.contains("at least 1")
            }
        }
        await #expect(throws: BrokerError.self) {
            _ = try await client.call(queue: queue, body: Data("not json".utf8), timeout: .seconds(30))
        }
        #expect(first.process.exited == nil && second.process.exited == nil)

        // One replica killed: the other answers everything from then on.
        first.process.signal(SIGKILL)
        _ = await first.process.stop(timeout: .seconds(5))
        for seed in 40..<50 {
            let snapshot = Self.snapshot(seed)
            let reply = try await client.call(queue: queue, body: try AllocationCoding.encode(snapshot), timeout: .seconds(30))
            #expect(reply == (try AllocationCoding.encode(try Allocator.allocate(snapshot))))
        }
        #expect(try await second.rounds() == secondRounds + 10)
        let errors = try await second.get("/metrics").body
        #expect(errors.contains("tide_allocator_errors_total"))

        // SIGTERM: a graceful exit.
        #expect(await second.process.stop() == 0)
    }
}
