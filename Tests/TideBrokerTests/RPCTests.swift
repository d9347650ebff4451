import Foundation
import Testing
import TideBroker
import TideTestSupport

@Suite struct RPCTests {
    struct Request: Codable { var n: Int }
    struct Reply: Codable, Equatable { var square: Int }
    struct Refused: Error, CustomStringConvertible { var description: String }

    /// Squares `n`; refuses negative numbers; fails to decode anything that is not a Request.
    static func squareServer(queue: String) async throws -> RPCServer {
        try await RPCServer(configuration: try Broker.configuration(), queue: queue, logger: Broker.logger) { request in
            let decoded = try JSONDecoder().decode(Request.self, from: request.body)
            guard decoded.n >= 0 else { throw Refused(description: "negative numbers are refused: \(decoded.n)") }
            return try JSONEncoder().encode(Reply(square: decoded.n * decoded.n))
        }
    }

    @Test func roundTrip() async throws {
        let queue = TestServers.uniqueName("rpc")
        let server = try await Self.squareServer(queue: queue)
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close() }
        let reply = try await client.call(queue: queue, body: try JSONEncoder().encode(Request(n: 7)))
        #expect(try JSONDecoder().decode(Reply.self, from: reply) == Reply(square: 49))
        await server.stop()
    }

    @Test func concurrentCallsEachGetTheirOwnReply() async throws {
        let queue = TestServers.uniqueName("rpc-many")
        let server = try await Self.squareServer(queue: queue)
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close() }
        let squares = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for n in 0..<100 {
                group.addTask {
                    let reply = try await client.call(queue: queue, body: try JSONEncoder().encode(Request(n: n)))
                    return (n, try JSONDecoder().decode(Reply.self, from: reply).square)
                }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(squares.count == 100)
        #expect(squares.allSatisfy { $0.value == $0.key * $0.key })
        await server.stop()
    }

    @Test func timesOutWhenNoServerConsumes() async throws {
        let queue = TestServers.uniqueName("rpc-idle")
        try await Topology(queues: [Topology.Queue(queue)]).declare(configuration: try Broker.configuration(), logger: Broker.logger)
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close() }
        let started = ContinuousClock.now
        let error = await #expect(throws: BrokerError.self) {
            _ = try await client.call(queue: queue, body: Data("{}".utf8), timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(30))
        #expect(error == .rpcTimeout(queue: queue, timeout: .milliseconds(300)))
        #expect("\(error!)".contains(queue) && "\(error!)".contains("0.3 seconds"))
    }

    @Test func callToAMissingQueueFailsAtOnce() async throws {
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close() }
        let queue = TestServers.uniqueName("rpc-none")
        let started = ContinuousClock.now
        let error = await #expect(throws: BrokerError.self) {
            _ = try await client.call(queue: queue, body: Data(), timeout: .seconds(10))
        }
        #expect(ContinuousClock.now - started < .seconds(30))
        guard case .unroutable("", queue, let reply) = error else {
            Issue.record("expected unroutable, got \(String(describing: error))")
            return
        }
        #expect(reply.contains(queue))
    }

    @Test func handlerErrorBecomesAnErrorReplyAndTheServerGoesOn() async throws {
        let queue = TestServers.uniqueName("rpc-error")
        let server = try await Self.squareServer(queue: queue)
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close() }
        let error = await #expect(throws: BrokerError.self) {
            _ = try await client.call(queue: queue, body: try JSONEncoder().encode(Request(n: -2)))
        }
        #expect(error == .rpcRemoteError(queue: queue, message: "negative numbers are refused: -2"))
        let reply = try await client.call(queue: queue, body: try JSONEncoder().encode(Request(n: 3)))
        #expect(try JSONDecoder().decode(Reply.self, from: reply) == Reply(square: 9))
        await server.stop()
    }

    @Test func malformedAndUnexpectedRequestsDoNotStopTheServer() async throws {
        let queue = TestServers.uniqueName("rpc-junk")
        let server = try await Self.squareServer(queue: queue)
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        let publisher = try await Publisher(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close(); publisher.close() }
        for junk in [Data("not json".utf8), Data(), Data([0xff, 0x00, 0xfe]), Data(#"{"m":1}"#.utf8)] {
            let error = await #expect(throws: BrokerError.self) { _ = try await client.call(queue: queue, body: junk) }
            guard case .rpcRemoteError(queue, let message) = error else {
                Issue.record("expected an error reply for \(junk), got \(String(describing: error))")
                continue
            }
            #expect(!message.isEmpty)
        }
        // A request nobody can answer (no reply-to): dropped, and the server keeps serving.
        try await publisher.publish(exchange: "", routingKey: queue, body: try JSONEncoder().encode(Request(n: 1)))
        let reply = try await client.call(queue: queue, body: try JSONEncoder().encode(Request(n: 12)))
        #expect(try JSONDecoder().decode(Reply.self, from: reply) == Reply(square: 144))
        await server.stop()
    }

    @Test func cancellingACallEndsItAtOnce() async throws {
        let queue = TestServers.uniqueName("rpc-cancel")
        try await Topology(queues: [Topology.Queue(queue)]).declare(configuration: try Broker.configuration(), logger: Broker.logger)
        let client = try await RPCClient(configuration: try Broker.configuration(), logger: Broker.logger)
        defer { client.close() }
        let call = Task { try await client.call(queue: queue, body: Data(), timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        call.cancel()
        await #expect(throws: CancellationError.self) { _ = try await call.value }
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
