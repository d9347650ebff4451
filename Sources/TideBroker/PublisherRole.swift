import Logging

/// The publisher's state on its connection thread: messages not yet confirmed,
/// and which confirm tag of the current connection stands for which message.
final class PublisherRole: ConnectionRole {
    enum Command: Sendable {
        case publish(OutgoingMessage, CheckedContinuation<Void, any Error>)
    }

    private struct Pending {
        let message: OutgoingMessage
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let topology: Topology
    private let logger: Logger
    /// Unconfirmed messages by publish order; kept across reconnects and published again.
    private var pending: [UInt64: Pending] = [:]
    private var lastSequence: UInt64 = 0
    /// Confirm tags of the current connection (1, 2, ... in publish order) to sequence numbers.
    private var sequenceByTag: [UInt64: UInt64] = [:]
    private var nextTag: UInt64 = 1
    private var lowestOpenTag: UInt64 = 1
    /// Message ids the broker returned as unroutable; their ack follows the return.
    private var returned: [String: String] = [:]
    private var knownExchanges: Set<String> = []

    init(topology: Topology, logger: Logger) {
        self.topology = topology
        self.logger = logger
    }

    func connected(_ connection: AMQPConnection, generation: UInt64) throws(BrokerError) {
        try connection.declare(topology)
        try connection.enableConfirms()
        sequenceByTag = [:]
        nextTag = 1
        lowestOpenTag = 1
        returned = [:]
        knownExchanges = Set([""] + topology.exchanges.map(\.name))
        if !pending.isEmpty { logger.info("publishing unconfirmed messages again", metadata: ["count": "\(pending.count)"]) }
        for sequence in pending.keys.sorted() { try send(sequence, on: connection) }
    }

    func perform(_ command: Command, on connection: AMQPConnection?) throws(BrokerError) {
        switch command {
        case .publish(let message, let continuation):
            lastSequence += 1
            pending[lastSequence] = Pending(message: message, continuation: continuation)
            if let connection { try send(lastSequence, on: connection) }
        }
    }

    func received(_ event: IncomingEvent, on connection: AMQPConnection) throws(BrokerError) {
        switch event {
        case .confirm(let tag, let multiple, let acked):
            if multiple {
                if lowestOpenTag <= tag { for each in lowestOpenTag...tag { settle(tag: each, acked: acked) } }
            } else {
                settle(tag: tag, acked: acked)
            }
            while lowestOpenTag < nextTag, sequenceByTag[lowestOpenTag] == nil { lowestOpenTag += 1 }
        case .returned(_, _, let reply, let properties):
            if let id = properties.messageID { returned[id] = reply }
        case .delivery, .consumerCancelled, .ignored:
            break
        }
    }

    func disconnected(_ error: BrokerError) {
        sequenceByTag = [:]  // Tags belong to the old channel; every pending message goes out again.
    }

    func finished(_ error: BrokerError) {
        for (_, message) in pending { message.continuation.resume(throwing: error) }
        pending = [:]
    }

    func reject(_ command: Command, _ error: BrokerError) {
        switch command {
        case .publish(_, let continuation): continuation.resume(throwing: error)
        }
    }

    private func send(_ sequence: UInt64, on connection: AMQPConnection) throws(BrokerError) {
        guard let message = pending[sequence]?.message else { return }
        // Publishing to a missing exchange would close the channel and lose every
        // confirm on it, so check a new exchange name first, on the scratch channel.
        if !knownExchanges.contains(message.exchange) {
            guard try connection.exchangeExists(message.exchange) else {
                pending.removeValue(forKey: sequence)?.continuation.resume(throwing: BrokerError.channelClosed(
                    code: 404, text: "NOT_FOUND - no exchange \"\(message.exchange)\"", during: "publishing"))
                return
            }
            knownExchanges.insert(message.exchange)
        }
        try connection.publish(message)
        sequenceByTag[nextTag] = sequence
        nextTag += 1
    }

    private func settle(tag: UInt64, acked: Bool) {
        guard let sequence = sequenceByTag.removeValue(forKey: tag),
            let done = pending.removeValue(forKey: sequence)
        else { return }
        let message = done.message
        if !acked {
            done.continuation.resume(throwing: BrokerError.publishNacked(exchange: message.exchange, routingKey: message.routingKey))
        } else if let id = message.properties.messageID, let reply = returned.removeValue(forKey: id) {
            done.continuation.resume(throwing: BrokerError.unroutable(
                exchange: message.exchange, routingKey: message.routingKey, reply: reply))
        } else {
            done.continuation.resume()
        }
    }
}
