import Foundation
import Logging

/// Publishes persistent messages with publisher confirms on a connection of its own thread.
///
/// `publish` returns only once the broker has confirmed the message (basic.ack),
/// so the message is on disk for durable queues. Many publishes may be in flight
/// at once on the one connection. When the connection drops, the publisher
/// reconnects with backoff, declares its topology again and publishes every
/// unconfirmed message again: each is confirmed at least once, and consumers
/// may see a message twice (dedupe by `messageID`).
public final class Publisher: Sendable {
    private let worker: ConnectionWorker<PublisherRole>

    /// Connects, declares `topology` and enables confirms; throws if the broker cannot be reached
    /// (after the retry policy's attempts) or refuses the login (at once).
    public init(configuration: BrokerConfiguration, topology: Topology = Topology(), logger: Logger,
                name: String = "tide-publisher") async throws {
        worker = ConnectionWorker(role: PublisherRole(topology: topology, logger: logger),
                                  configuration: configuration, name: name, logger: logger)
        try await worker.start()
    }

    deinit { worker.stop() }

    /// Publishes `message` and waits for the broker's confirm.
    ///
    /// A message without a `messageID` gets a UUID. Throws `publishNacked` when the broker
    /// refuses it, `unroutable` when a mandatory message reached no queue, `closed` when the
    /// publisher was closed (or gave up reconnecting) before the confirm.
    public func publish(_ message: OutgoingMessage) async throws {
        var message = message
        if message.properties.messageID == nil { message.properties.messageID = UUID().uuidString }
        let sending = message
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !worker.send(.publish(sending, continuation)) {
                continuation.resume(throwing: BrokerError.closed("publisher"))
            }
        }
    }

    /// Publishes `body` to `exchange` with `routingKey`; see `publish(_:)`.
    public func publish(exchange: String, routingKey: String, body: Data,
                        properties: MessageProperties = MessageProperties(), mandatory: Bool = false) async throws {
        try await publish(OutgoingMessage(exchange: exchange, routingKey: routingKey, body: body,
                                          properties: properties, mandatory: mandatory))
    }

    /// Closes the connection; publishes not yet confirmed throw `BrokerError.closed`.
    public func close() { worker.stop() }
}
