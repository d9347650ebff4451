import Foundation

/// A message the broker delivered to a consumer, to be acked once its effect is durable.
///
/// Acks and nacks go to the consumer's connection thread. An ack for a delivery
/// whose connection has since dropped throws `BrokerError.staleDelivery`: the
/// broker redelivers the message on the new connection, so effects must be idempotent.
public struct Delivery: Sendable {
    public let body: Data
    public let exchange: String
    public let routingKey: String
    /// True when the broker delivered this message before (to this or another consumer) without an ack.
    public let redelivered: Bool
    public let properties: MessageProperties
    public let deliveryTag: UInt64
    let acknowledger: (any Acknowledging)?

    init(_ raw: RawDelivery, acknowledger: (any Acknowledging)?) {
        body = raw.body
        exchange = raw.exchange
        routingKey = raw.routingKey
        redelivered = raw.redelivered
        properties = raw.properties
        deliveryTag = raw.deliveryTag
        self.acknowledger = acknowledger
    }

    /// Tells the broker the message is handled; call it after the effect is durable.
    public func ack() async throws {
        try await acknowledger?.settle(self, outcome: .ack)
    }

    /// Tells the broker the message was not handled: requeued for another try, or dropped (dead-lettered).
    public func nack(requeue: Bool = true) async throws {
        try await acknowledger?.settle(self, outcome: requeue ? .requeue : .reject)
    }
}

/// How a delivery is settled.
enum Settlement: Sendable {
    case ack, requeue, reject
}

/// Routes a delivery's ack or nack to the thread that owns its connection.
protocol Acknowledging: Sendable {
    func settle(_ delivery: Delivery, outcome: Settlement) async throws
}

/// A delivery as read off the wire, before it is tied to its consumer.
struct RawDelivery: Sendable {
    var consumerTag: String
    var deliveryTag: UInt64
    var redelivered: Bool
    var exchange: String
    var routingKey: String
    var properties: MessageProperties
    var body: Data
}
