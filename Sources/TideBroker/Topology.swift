import Logging

/// Exchanges, queues and bindings to declare, as a value: services build the
/// part they need and every connection declares it again after a reconnect
/// (declaring is idempotent when the arguments match).
public struct Topology: Sendable, Hashable {
    /// An exchange to declare.
    public struct Exchange: Sendable, Hashable {
        public enum Kind: String, Sendable { case topic, direct, fanout, headers }
        public var name: String
        public var kind: Kind
        public var durable: Bool
        public init(_ name: String, kind: Kind = .topic, durable: Bool = true) {
            self.name = name
            self.kind = kind
            self.durable = durable
        }
    }

    /// A queue to declare.
    public struct Queue: Sendable, Hashable {
        public var name: String
        public var durable: Bool
        public var autoDelete: Bool
        public var arguments: [String: FieldValue]
        public init(_ name: String, durable: Bool = true, autoDelete: Bool = false, singleActiveConsumer: Bool = false,
                    arguments: [String: FieldValue] = [:]) {
            self.name = name
            self.durable = durable
            self.autoDelete = autoDelete
            self.arguments = arguments
            if singleActiveConsumer { self.arguments["x-single-active-consumer"] = .bool(true) }
        }
        /// Only one consumer at a time receives messages; the others stand by.
        public var singleActiveConsumer: Bool { arguments["x-single-active-consumer"] == .bool(true) }
    }

    /// A queue bound to an exchange by a routing key (pattern, for topic exchanges).
    public struct Binding: Sendable, Hashable {
        public var queue: String
        public var exchange: String
        public var routingKey: String
        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// Both topologies; exchanges and queues declared first, duplicates once.
    public func merging(_ other: Topology) -> Topology {
        func unique<T: Hashable>(_ items: [T]) -> [T] {
            var seen = Set<T>()
            return items.filter { seen.insert($0).inserted }
        }
        return Topology(exchanges: unique(exchanges + other.exchanges), queues: unique(queues + other.queues),
                        bindings: unique(bindings + other.bindings))
    }

    /// The durable topic exchanges `tide.jobs` and `tide.events`.
    public static let exchanges = Topology(exchanges: [
        Exchange(BrokerNames.jobsExchange), Exchange(BrokerNames.eventsExchange),
    ])

    /// The allocator's durable RPC queue `tide.allocator`.
    public static let allocator = Topology(queues: [Queue(BrokerNames.allocatorQueue)])

    /// The durable queue `tide.progress`.
    public static let progress = Topology(queues: [Queue(BrokerNames.progressQueue)])

    /// A scheduler's single-active-consumer queue `tide.scheduler.<accelerator>`, bound to its keys:
    /// `<accelerator>.*` on tide.jobs, `node.<accelerator>.changed` and `metrics.<accelerator>.updated`
    /// on tide.events.
    ///
    /// `status.<job>` is not bound: it names no accelerator, so binding it would
    /// wake every scheduler for every job; status events are for whoever watches jobs.
    public static func scheduler(accelerator: String) throws -> Topology {
        let queue = try BrokerNames.schedulerQueue(accelerator: accelerator)
        return exchanges.merging(Topology(
            queues: [Queue(queue, singleActiveConsumer: true)],
            bindings: [
                Binding(queue: queue, exchange: BrokerNames.jobsExchange, routingKey: "\(accelerator).*"),
                Binding(queue: queue, exchange: BrokerNames.eventsExchange,
                        routingKey: try BrokerNames.nodeChangedKey(accelerator: accelerator)),
                Binding(queue: queue, exchange: BrokerNames.eventsExchange,
                        routingKey: try BrokerNames.metricsUpdatedKey(accelerator: accelerator)),
            ]))
    }

    /// Everything Tide uses, for these accelerators.
    public static func tide(accelerators: [String]) throws -> Topology {
        try accelerators.reduce(exchanges.merging(allocator).merging(progress)) { try $0.merging(scheduler(accelerator: $1)) }
    }

    /// Declares this topology on a short-lived connection of its own thread.
    ///
    /// Fails on a declaration that clashes with what the broker has (406 PRECONDITION_FAILED),
    /// without retrying; connection failures are retried per `configuration.retry`.
    public func declare(configuration: BrokerConfiguration, logger: Logger) async throws {
        let topology = self
        try await BlockingThread.run(name: "tide-broker-declare") {
            let connection = try AMQPConnection.connectWithRetry(configuration, logger: logger)
            defer { connection.close() }
            try connection.declare(topology)
        }
    }
}
