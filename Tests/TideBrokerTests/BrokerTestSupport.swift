import Foundation
import Synchronization
import Logging
import TideBroker
import TideTestSupport

/// Shared helpers of the broker tests.
enum Broker {
    static var logger: Logger {
        var logger = Logger(label: "tide-broker-tests")
        logger.logLevel = .notice
        return logger
    }

    /// The shared broker, with short retry delays.
    static func configuration() throws -> BrokerConfiguration {
        try configuration(uri: TestServers.amqpURI)
    }

    static func configuration(uri: String) throws -> BrokerConfiguration {
        var configuration = try BrokerConfiguration(uri: uri)
        configuration.retry = RetryPolicy(initialAttempts: 3, firstDelay: .milliseconds(100), maxDelay: .seconds(1))
        return configuration
    }

    /// A fresh durable queue, declared by whoever takes this topology.
    static func queue(_ prefix: String) -> (name: String, topology: Topology) {
        let name = TestServers.uniqueName(prefix)
        return (name, Topology(queues: [Topology.Queue(name)]))
    }

}

/// Runs `body`, failing with `TimeoutError` if it takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ what: String,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeoutError(what: what, limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    let what: String
    let limit: Duration
    var description: String { "timed out after \(limit) waiting for \(what)" }
}

/// Collects a consumer's deliveries on a task of its own, so tests can wait for
/// some with a timeout without cancelling the consumer's iteration (which would end it).
/// One inbox per consumer; it iterates until the consumer is closed.
final class Inbox: Sendable {
    let consumer: Consumer
    private let buffer = Locked<(deliveries: [Delivery], failure: String?)>(([], nil))
    private let pump: Task<Void, Never>

    /// `ack`: ack each delivery as it arrives (else the test settles them).
    init(_ consumer: Consumer, ack: Bool = true) {
        self.consumer = consumer
        let buffer = self.buffer
        pump = Task {
            do {
                for try await delivery in consumer {
                    if ack { try await delivery.ack() }
                    buffer.withLock { $0.deliveries.append(delivery) }
                }
            } catch {
                buffer.withLock { $0.failure = "\(error)" }
            }
        }
    }

    /// The next `count` deliveries, or an error saying how many came within `timeout`.
    func take(_ count: Int, within timeout: Duration = .seconds(20)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (taken, have, failure) = buffer.withLock { buffer -> ([Delivery]?, Int, String?) in
                guard buffer.deliveries.count >= count else { return (nil, buffer.deliveries.count, buffer.failure) }
                defer { buffer.deliveries.removeFirst(count) }
                return (Array(buffer.deliveries.prefix(count)), count, nil)
            }
            if let taken { return taken }
            if let failure { throw TimeoutError(what: "\(count) deliveries from \(consumer.queue); consumer failed: \(failure)", limit: timeout) }
            if ContinuousClock.now >= deadline {
                throw TimeoutError(what: "\(count) deliveries from \(consumer.queue) (got \(have))", limit: timeout)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Whatever arrives within `window` (to check that nothing does).
    func drain(for window: Duration) async -> [Delivery] {
        try? await Task.sleep(for: window)
        return buffer.withLock { buffer in
            defer { buffer.deliveries = [] }
            return buffer.deliveries
        }
    }
}

/// A value shared by concurrent test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
