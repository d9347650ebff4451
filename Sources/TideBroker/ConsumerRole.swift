import Logging

/// The consumer's state on its connection thread: the stream deliveries go to,
/// and which connection (generation) is current, so acks for an old one are dropped.
final class ConsumerRole: ConnectionRole {
    enum Command: Sendable {
        case settle(deliveryTag: UInt64, generation: UInt64, Settlement, CheckedContinuation<Void, any Error>)
    }

    private let queue: String
    private let prefetch: Int
    private let topology: Topology
    private let logger: Logger
    private let output: AsyncThrowingStream<Delivery, any Error>.Continuation
    /// Set once the worker exists, cleared when it ends (deliveries hold it strongly, the role must not for ever).
    var worker: ConnectionWorker<ConsumerRole>?
    private var generation: UInt64 = 0

    init(queue: String, prefetch: Int, topology: Topology, logger: Logger,
         output: AsyncThrowingStream<Delivery, any Error>.Continuation) {
        self.queue = queue
        self.prefetch = prefetch
        self.topology = topology
        self.logger = logger
        self.output = output
    }

    func connected(_ connection: AMQPConnection, generation: UInt64) throws(BrokerError) {
        try connection.declare(topology)
        try connection.setPrefetch(prefetch)
        _ = try connection.consume(queue: queue, noAck: false)
        self.generation = generation
    }

    func perform(_ command: Command, on connection: AMQPConnection?) throws(BrokerError) {
        switch command {
        case .settle(let tag, let generation, let outcome, let continuation):
            guard let connection, generation == self.generation else {
                continuation.resume(throwing: BrokerError.staleDelivery(deliveryTag: tag))
                return
            }
            do throws(BrokerError) {
                try connection.settle(deliveryTag: tag, outcome)
                continuation.resume()
            } catch {
                continuation.resume(throwing: BrokerError.staleDelivery(deliveryTag: tag))
                throw error
            }
        }
    }

    func received(_ event: IncomingEvent, on connection: AMQPConnection) throws(BrokerError) {
        switch event {
        case .delivery(let raw):
            guard let worker else { return }
            output.yield(Delivery(raw, acknowledger: ConsumerAcknowledger(worker: worker, generation: generation)))
        case .consumerCancelled:
            // The queue was deleted or moved: reconnecting declares it again and consumes anew.
            throw .connectionLost(reason: "the broker cancelled the consumer of queue \"\(queue)\"")
        case .confirm, .returned, .ignored:
            break
        }
    }

    func disconnected(_ error: BrokerError) {
        generation = 0  // Until the next connection, every ack is for a delivery the broker will redeliver.
    }

    func finished(_ error: BrokerError) {
        if case .closed = error { output.finish() } else { output.finish(throwing: error) }
        worker = nil
    }

    func reject(_ command: Command, _ error: BrokerError) {
        switch command {
        case .settle(let tag, _, _, let continuation):
            continuation.resume(throwing: BrokerError.staleDelivery(deliveryTag: tag))
        }
    }
}

/// Sends a delivery's ack or nack to its consumer's thread, tagged with the connection it came on.
struct ConsumerAcknowledger: Acknowledging {
    let worker: ConnectionWorker<ConsumerRole>
    let generation: UInt64

    func settle(_ delivery: Delivery, outcome: Settlement) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !worker.send(.settle(deliveryTag: delivery.deliveryTag, generation: generation, outcome, continuation)) {
                continuation.resume(throwing: BrokerError.staleDelivery(deliveryTag: delivery.deliveryTag))
            }
        }
    }
}
