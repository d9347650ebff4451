import Foundation

/// The AMQP basic properties Tide sets and reads.
public struct MessageProperties: Sendable, Hashable {
    public var contentType: String?
    /// Set on every published message (a UUID unless the caller picks one): consumers dedupe by it.
    public var messageID: String?
    public var correlationID: String?
    public var replyTo: String?
    /// Persistent (delivery mode 2) survives a broker restart on a durable queue.
    public var persistent: Bool
    /// Per-message TTL in milliseconds, as the broker's `expiration` property.
    public var expirationMilliseconds: Int?
    public var type: String?
    public var timestamp: Date?
    public var headers: [String: FieldValue]

    public init(contentType: String? = nil, messageID: String? = nil, correlationID: String? = nil,
                replyTo: String? = nil, persistent: Bool = true, expirationMilliseconds: Int? = nil,
                type: String? = nil, timestamp: Date? = nil, headers: [String: FieldValue] = [:]) {
        self.contentType = contentType
        self.messageID = messageID
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.persistent = persistent
        self.expirationMilliseconds = expirationMilliseconds
        self.type = type
        self.timestamp = timestamp
        self.headers = headers
    }
}
