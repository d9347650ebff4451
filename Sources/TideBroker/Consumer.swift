import Logging

/// Consumes one queue on a connection of its own thread, with manual acks.
///
/// Iterate it (once) for deliveries; ack each after its effect is durable. At
/// most `prefetch` deliveries are unacked at a time. When the connection drops,
/// the consumer reconnects with backoff, declares its topology again and goes on
/// consuming; deliveries of the old connection cannot be acked any more (their
/// ack throws `staleDelivery`) and the broker redelivers them with `redelivered`
/// set. The sequence ends when the consumer is closed and throws when it gives up.
/// A single-active-consumer queue works as is: stand-by consumers get nothing
/// until the active one goes away.
public final class Consumer: AsyncSequence, Sendable {
    public typealias Element = Delivery
    public typealias AsyncIterator = AsyncThrowingStream<Delivery, any Error>.AsyncIterator

    /// The queue consumed.
    public let queue: String
    private let worker: ConnectionWorker<ConsumerRole>
    private let deliveries: AsyncThrowingStream<Delivery, any Error>

    /// Connects, declares `topology` (which should hold `queue` unless it exists already) and starts consuming.
    public init(configuration: BrokerConfiguration, queue: String, prefetch: Int = 32, topology: Topology = Topology(),
                logger: Logger, name: String = "tide-consumer") async throws {
        self.queue = queue
        let (stream, output) = AsyncThrowingStream<Delivery, any Error>.makeStream()
        let role = ConsumerRole(queue: queue, prefetch: Swift.max(1, prefetch), topology: topology, logger: logger, output: output)
        let worker = ConnectionWorker(role: role, configuration: configuration, name: "\(name) \(queue)", logger: logger)
        role.worker = worker  // Before the thread starts: from then on only the thread touches the role.
        output.onTermination = { _ in worker.stop() }
        self.worker = worker
        deliveries = stream
        try await worker.start()
    }

    deinit { worker.stop() }

    public func makeAsyncIterator() -> AsyncIterator { deliveries.makeAsyncIterator() }

    /// Stops consuming and closes the connection; unacked deliveries go back to the queue.
    public func close() { worker.stop() }
}
