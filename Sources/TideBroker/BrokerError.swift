import Foundation

/// Everything that can go wrong talking to RabbitMQ, each case naming its cause.
public enum BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The AMQP URI could not be parsed; `reason` says which part is wrong.
    case invalidURI(uri: String, reason: String)
    /// A queue, exchange or accelerator name the broker or the spec would reject.
    case invalidName(String, reason: String)
    /// Nothing answered at host:port (refused, timed out, unknown host).
    case unreachable(host: String, port: Int, reason: String)
    /// The broker refused the user name or password.
    case authenticationRefused(user: String, host: String, port: Int)
    /// The user may not open the virtual host.
    case virtualHostRefused(vhost: String, user: String)
    /// The connection broke or the broker closed it; `reason` is rabbitmq-c's or the broker's text.
    case connectionLost(reason: String)
    /// The broker closed the channel after a failed operation (e.g. 406 PRECONDITION_FAILED).
    case channelClosed(code: Int, text: String, during: String)
    /// The broker answered a publish with basic.nack: it did not take the message.
    case publishNacked(exchange: String, routingKey: String)
    /// A mandatory message matched no queue and came back with basic.return.
    case unroutable(exchange: String, routingKey: String, reply: String)
    /// No reply to an RPC call within its timeout.
    case rpcTimeout(queue: String, timeout: Duration)
    /// The RPC server's handler failed; `message` is its error.
    case rpcRemoteError(queue: String, message: String)
    /// An ack or nack for a delivery whose connection is gone; the broker redelivers it.
    case staleDelivery(deliveryTag: UInt64)
    /// The publisher, consumer or client was closed (by its owner or after a fatal error).
    case closed(String)

    public var description: String {
        switch self {
        case .invalidURI(let uri, let reason): "invalid AMQP URI \"\(uri)\": \(reason)"
        case .invalidName(let name, let reason): "invalid name \"\(name)\": \(reason)"
        case .unreachable(let host, let port, let reason): "cannot reach RabbitMQ at \(host):\(port): \(reason)"
        case .authenticationRefused(let user, let host, let port):
            "RabbitMQ at \(host):\(port): authentication refused for user \"\(user)\" (wrong user name or password)"
        case .virtualHostRefused(let vhost, let user): "user \"\(user)\" may not open virtual host \"\(vhost)\""
        case .connectionLost(let reason): "connection to RabbitMQ lost: \(reason)"
        case .channelClosed(let code, let text, let during): "RabbitMQ closed the channel while \(during): \(code) \(text)"
        case .publishNacked(let exchange, let key):
            "RabbitMQ refused (nacked) a message to exchange \"\(exchange)\" with routing key \"\(key)\""
        case .unroutable(let exchange, let key, let reply):
            "message to exchange \"\(exchange)\" with routing key \"\(key)\" reached no queue (\(reply))"
        case .rpcTimeout(let queue, let timeout): "no reply from RPC queue \"\(queue)\" within \(timeout)"
        case .rpcRemoteError(let queue, let message): "RPC server on \"\(queue)\" failed: \(message)"
        case .staleDelivery(let tag):
            "delivery \(tag) came on a connection that is gone; the broker will redeliver it"
        case .closed(let what): "\(what) is closed"
        }
    }

    /// Whether connecting again may help: lost connections and unreachable brokers, not refusals.
    var isRetryable: Bool {
        switch self {
        case .unreachable, .connectionLost: true
        default: false
        }
    }
}
