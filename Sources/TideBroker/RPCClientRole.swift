import Foundation
import Logging

/// The RPC client's state on its connection thread: calls waiting for replies
/// by correlation id, and their deadlines.
final class RPCClientRole: ConnectionRole {
    /// RabbitMQ's direct reply-to pseudo-queue: consumed no-ack on the channel that publishes the requests.
    static let replyQueue = "amq.rabbitmq.reply-to"

    struct Call: Sendable {
        let id: String
        let queue: String
        let body: Data
        let contentType: String?
        let timeout: Duration
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Data, any Error>
    }

    enum Command: Sendable {
        case call(Call)
        case cancel(id: String)
    }

    private let logger: Logger
    /// Calls sent on the current connection, waiting for their reply.
    private var waiting: [String: Call] = [:]
    /// Calls made while reconnecting, sent once connected (if still in time).
    private var unsent: [String: Call] = [:]

    init(logger: Logger) { self.logger = logger }

    func connected(_ connection: AMQPConnection, generation: UInt64) throws(BrokerError) {
        _ = try connection.consume(queue: Self.replyQueue, noAck: true)
        let calls = unsent.values.sorted { $0.deadline < $1.deadline }
        unsent = [:]
        for call in calls { try send(call, on: connection) }
    }

    func perform(_ command: Command, on connection: AMQPConnection?) throws(BrokerError) {
        switch command {
        case .call(let call):
            if let connection { try send(call, on: connection) } else { unsent[call.id] = call }
        case .cancel(let id):
            (waiting.removeValue(forKey: id) ?? unsent.removeValue(forKey: id))?.continuation.resume(throwing: CancellationError())
        }
    }

    func received(_ event: IncomingEvent, on connection: AMQPConnection) throws(BrokerError) {
        switch event {
        case .delivery(let reply):
            guard let id = reply.properties.correlationID, let call = waiting.removeValue(forKey: id) else {
                logger.debug("reply for no waiting call (late, after a timeout?)",
                             metadata: ["correlation-id": "\(reply.properties.correlationID ?? "none")"])
                return
            }
            if let failure = reply.properties.headers[RPCServer.errorHeader] {
                call.continuation.resume(throwing: BrokerError.rpcRemoteError(queue: call.queue, message: failure.description))
            } else {
                call.continuation.resume(returning: reply.body)
            }
        case .returned(_, let key, let reply, let properties):
            guard let id = properties.correlationID, let call = waiting.removeValue(forKey: id) else { return }
            call.continuation.resume(throwing: BrokerError.unroutable(
                exchange: "", routingKey: key, reply: "\(reply): no queue named \"\(key)\""))
        case .confirm, .consumerCancelled, .ignored:
            break
        }
    }

    func disconnected(_ error: BrokerError) {
        // The reply-to address belonged to the old connection: these replies can never arrive.
        for call in waiting.values {
            call.continuation.resume(throwing: BrokerError.connectionLost(
                reason: "\(error); the reply from \"\(call.queue)\" is lost"))
        }
        waiting = [:]
    }

    func finished(_ error: BrokerError) {
        for call in Array(waiting.values) + Array(unsent.values) { call.continuation.resume(throwing: error) }
        waiting = [:]
        unsent = [:]
    }

    func reject(_ command: Command, _ error: BrokerError) {
        if case .call(let call) = command { call.continuation.resume(throwing: error) }
    }

    var nextDeadline: ContinuousClock.Instant? {
        (waiting.values.map(\.deadline) + unsent.values.map(\.deadline)).min()
    }

    func tick(now: ContinuousClock.Instant) {
        for call in Array(waiting.values) + Array(unsent.values) where call.deadline <= now {
            waiting.removeValue(forKey: call.id)
            unsent.removeValue(forKey: call.id)
            call.continuation.resume(throwing: BrokerError.rpcTimeout(queue: call.queue, timeout: call.timeout))
        }
    }

    private func send(_ call: Call, on connection: AMQPConnection) throws(BrokerError) {
        let remaining = ContinuousClock.now.duration(to: call.deadline)
        let milliseconds = max(1, Int(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
        // Transient and expiring with the call: nobody waits for the reply after the deadline,
        // and the reply-to address dies with this connection anyway.
        let properties = MessageProperties(
            contentType: call.contentType, messageID: call.id, correlationID: call.id, replyTo: Self.replyQueue,
            persistent: false, expirationMilliseconds: milliseconds)
        // Mandatory: a request to a queue that does not exist comes back at once instead of timing out.
        waiting[call.id] = call
        try connection.publish(OutgoingMessage(exchange: "", routingKey: call.queue, body: call.body,
                                               properties: properties, mandatory: true))
    }
}
