import TideBroker

/// Publishes one message and returns once the broker confirmed it: progress
/// samples for the collector, node changes for the schedulers.
public protocol MessagePublishing: Sendable {
    func publish(_ message: OutgoingMessage) async throws
}

extension BrokerJobPublisher: MessagePublishing {
    public func publish(_ message: OutgoingMessage) async throws {
        try await connected().publish(message)
    }
}
