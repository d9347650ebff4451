import Foundation
import Logging
import TideBroker
import TideCore
import TideJobs

/// Publishes job changes through a `Publisher` it connects on first use and again after
/// a failed connect, so the service starts (and stores jobs) while the broker is down.
public actor BrokerJobPublisher: JobEventPublishing {
    private let configuration: BrokerConfiguration
    private let logger: Logger
    private var publisher: Publisher?
    private var connecting: Task<Publisher, any Error>?
    private var lastFailure: ContinuousClock.Instant?
    /// After a failed connect, callers fail at once for this long instead of each trying again.
    private let reconnectPause: Duration

    public init(configuration: BrokerConfiguration, logger: Logger, reconnectPause: Duration = .seconds(1)) {
        var configuration = configuration
        // One quick attempt per connect: the outbox loop is the retry.
        configuration.retry = RetryPolicy(initialAttempts: 1)
        configuration.connectTimeout = min(configuration.connectTimeout, .seconds(2))
        self.configuration = configuration
        self.logger = logger
        self.reconnectPause = reconnectPause
    }

    public func publish(_ entry: OutboxEntry, job: StoredJob) async throws {
        let publisher = try await connected()
        let message = try Self.message(entry, job: job)
        do {
            try await publisher.publish(message)
        } catch let error as BrokerError {
            // Closed for good (a fatal error while reconnecting, such as a vhost refused during a
            // broker restart): the next publish connects afresh instead of failing for ever.
            if case .closed = error, self.publisher === publisher { self.publisher = nil }
            throw error
        }
    }

    /// Closes the connection; later publishes connect again.
    public func close() {
        publisher?.close()
        publisher = nil
    }

    /// The message for `change`: routing key `<accelerator>.<change>`, the stored job as JSON,
    /// and a message id that is the same on every republish of the same change (consumers dedupe by it).
    static func message(_ entry: OutboxEntry, job: StoredJob) throws -> OutgoingMessage {
        let change = entry.change
        let event = try BrokerNames.JobEvent(rawValue: change.rawValue).orThrow()
        let key = try BrokerNames.jobKey(accelerator: job.spec.accelerator, event)
        let properties = MessageProperties(
            contentType: "application/json", messageID: "\(job.name)/\(entry.version)/\(change.rawValue)",
            persistent: true, type: change.rawValue, timestamp: Date())
        return OutgoingMessage(
            exchange: BrokerNames.jobsExchange, routingKey: key, body: try JobJSON.encode(job), properties: properties)
    }

    func connected() async throws -> Publisher {
        if let publisher { return publisher }
        if let connecting { return try await connecting.value }
        if let lastFailure, ContinuousClock.now - lastFailure < reconnectPause {
            throw BrokerError.closed("publisher (the broker was unreachable moments ago)")
        }
        let (configuration, logger) = (self.configuration, self.logger)
        let task = Task {
            // The progress queue too: progress samples go to it through the default exchange.
            try await Publisher(configuration: configuration, topology: Topology.exchanges.merging(.progress), logger: logger,
                                name: "tide-training-service")
        }
        connecting = task
        do {
            let publisher = try await task.value
            self.publisher = publisher
            connecting = nil
            lastFailure = nil
            return publisher
        } catch {
            connecting = nil
            lastFailure = .now
            logger.warning("broker unreachable; job events wait in the outbox", metadata: ["error": "\(error)"])
            throw error
        }
    }
}

extension Optional {
    fileprivate func orThrow() throws -> Wrapped {
        guard let self else { throw BrokerError.invalidName("?", reason: "unknown job change") }
        return self
    }
}
