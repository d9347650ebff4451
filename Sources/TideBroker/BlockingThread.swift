import Foundation
import Logging

/// Runs blocking rabbitmq-c work on a thread of its own, never on the cooperative pool.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }
}

extension AMQPConnection {
    /// Connects, retrying what may pass (an unreachable broker) per `configuration.retry`;
    /// blocks, so only for a thread of its own.
    static func connectWithRetry(_ configuration: BrokerConfiguration, logger: Logger) throws(BrokerError) -> AMQPConnection {
        var attempt = 0
        while true {
            do throws(BrokerError) {
                return try AMQPConnection(configuration)
            } catch {
                attempt += 1
                guard error.isRetryable, attempt < configuration.retry.initialAttempts else { throw error }
                let delay = configuration.retry.delay(beforeRetry: attempt)
                logger.warning("cannot connect, retrying", metadata: ["error": "\(error)", "in": "\(delay)"])
                Thread.sleep(forTimeInterval: Double(delay.components.seconds)
                    + Double(delay.components.attoseconds) / 1e18)
            }
        }
    }
}
