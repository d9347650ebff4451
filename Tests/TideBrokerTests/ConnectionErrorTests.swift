import Foundation
import Testing
import TideBroker
import TideTestSupport

/// Unreachable brokers and refused logins: a clear error, in bounded time.
@Suite struct ConnectionErrorTests {
    @Test func nothingListeningNamesHostAndPort() async throws {
        let port = unusedPort()
        let configuration = try Broker.configuration(uri: "amqp://guest:guest@127.0.0.1:\(port)/")
        let started = ContinuousClock.now
        let error = await #expect(throws: BrokerError.self) {
            _ = try await Publisher(configuration: configuration, logger: Broker.logger)
        }
        // Bounded, not instant: a loaded machine may delay the threads; retrying for ever would not end.
        #expect(ContinuousClock.now - started < .seconds(60))
        guard case .unreachable(let host, let reportedPort, _) = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(host == "127.0.0.1" && reportedPort == port)
        #expect("\(error!)".contains("127.0.0.1:\(port)"))
    }

    @Test func wrongPasswordFailsFastAndSaysSo() async throws {
        var configuration = try Broker.configuration()
        configuration.password = "not-the-password"
        configuration.retry = RetryPolicy(initialAttempts: 50)  // A refusal must not be retried at all.
        let started = ContinuousClock.now
        let error = await #expect(throws: BrokerError.self) {
            _ = try await Consumer(configuration: configuration, queue: "tide.never", logger: Broker.logger)
        }
        // Fifty attempts with backoff would take minutes: well under one means no retry.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(error == .authenticationRefused(user: "guest", host: configuration.host, port: configuration.port))
        #expect("\(error!)".contains("authentication refused for user \"guest\""))
        #expect(!"\(error!)".contains("not-the-password"))
    }

    @Test func unknownVirtualHostIsRefused() async throws {
        var configuration = try Broker.configuration()
        configuration.virtualHost = TestServers.uniqueName("no-such-vhost")
        let error = await #expect(throws: BrokerError.self) {
            _ = try await RPCClient(configuration: configuration, logger: Broker.logger)
        }
        #expect(error == .virtualHostRefused(vhost: configuration.virtualHost, user: "guest"))
    }

    @Test func unknownHostIsUnreachable() async throws {
        var configuration = try Broker.configuration(uri: "amqp://guest:guest@no-such-host.invalid:5672/")
        configuration.retry = RetryPolicy(initialAttempts: 1)
        let error = await #expect(throws: BrokerError.self) {
            try await Topology.exchanges.declare(configuration: configuration, logger: Broker.logger)
        }
        guard case .unreachable(let host, 5672, _) = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(host == "no-such-host.invalid")
    }

    @Test func clashingDeclarationIsAClearErrorNotARetryLoop() async throws {
        let configuration = try Broker.configuration()
        let name = TestServers.uniqueName("clash")
        try await Topology(queues: [Topology.Queue(name)]).declare(configuration: configuration, logger: Broker.logger)
        let clashing = Topology(queues: [Topology.Queue(name, singleActiveConsumer: true)])
        let error = await #expect(throws: BrokerError.self) {
            _ = try await Consumer(configuration: configuration, queue: name, topology: clashing, logger: Broker.logger)
        }
        guard case .channelClosed(406, let text, let during) = error else {
            Issue.record("expected 406 PRECONDITION_FAILED, got \(String(describing: error))")
            return
        }
        #expect(text.contains("PRECONDITION_FAILED"))
        #expect(during.contains(name))
    }
}
