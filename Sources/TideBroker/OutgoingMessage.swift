import Foundation

/// A message to publish: where it goes and what it carries.
public struct OutgoingMessage: Sendable, Hashable {
    public var exchange: String
    public var routingKey: String
    public var body: Data
    public var properties: MessageProperties
    /// Return the message (and fail its publish) when no queue is bound for its key.
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, body: Data, properties: MessageProperties = MessageProperties(),
                mandatory: Bool = false) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}
