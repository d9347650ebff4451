import Foundation
import Logging
import Synchronization
import TideBroker
import TideTestSupport

/// A private queue bound to one GPU type's `metrics.<type>.updated`, whose
/// messages a test takes after each collector run.
final class Announcements: Sendable {
    private let consumer: Consumer
    /// Shared with the pump task (a `Mutex` cannot be captured by itself).
    private final class Bodies: Sendable {
        let list = Mutex<[String]>([])
    }

    private let received = Bodies()
    private let pump: Task<Void, Never>

    init(accelerator: String, logger: Logger) async throws {
        let queue = TestServers.uniqueName("tide.test.announcements")
        let topology = Topology.exchanges.merging(Topology(
            queues: [Topology.Queue(queue)],
            bindings: [
                Topology.Binding(
                    queue: queue, exchange: BrokerNames.eventsExchange,
                    routingKey: try BrokerNames.metricsUpdatedKey(accelerator: accelerator)),
            ]))
        let consumer = try await Consumer(
            configuration: try BrokerConfiguration(uri: try TestServers.amqpURI), queue: queue, topology: topology,
            logger: logger)
        self.consumer = consumer
        let received = received
        pump = Task {
            do {
                for try await delivery in consumer {
                    received.list.withLock { $0.append(String(decoding: delivery.body, as: UTF8.self)) }
                    try await delivery.ack()
                }
            } catch {}
        }
    }

    /// The bodies received so far (after a second for stragglers), cleared.
    func take() async throws -> [String] {
        try await Task.sleep(for: .seconds(1))
        return received.list.withLock { bodies in
            defer { bodies = [] }
            return bodies
        }
    }

    func close() {
        consumer.close()
        pump.cancel()
    }
}
