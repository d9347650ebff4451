import Foundation
import Logging
import TideBroker

/// Raw costs of TideBroker on a real RabbitMQ: confirmed publish latency and rate, RPC round trip.
enum BrokerBench {
    static let body = Data(repeating: UInt8(ascii: "x"), count: 256)

    static func run(uri: String) async throws {
        var logger = Logger(label: "infra-bench")
        logger.logLevel = .warning
        let configuration = try BrokerConfiguration(uri: uri)
        // Queues expire a minute after the run, so repeated runs leave nothing behind.
        let queue = "bench.publish.\(UUID().uuidString.prefix(8))"
        let topology = Topology(queues: [Topology.Queue(queue, arguments: ["x-expires": .int(60_000)])])
        var rows: [Row] = []

        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: logger)
        for _ in 0..<200 { try await publisher.publish(exchange: "", routingKey: queue, body: body) }  // warm-up
        var latencies: [Double] = []
        let sequentialStart = ContinuousClock.now
        for _ in 0..<2_000 {
            let start = ContinuousClock.now
            try await publisher.publish(exchange: "", routingKey: queue, body: body)
            latencies.append(milliseconds(ContinuousClock.now - start))
        }
        rows.append(Row("confirmed publish, sequential", latencies, elapsed: ContinuousClock.now - sequentialStart))

        rows.append(try await concurrentPublishes("confirmed publish, 8 tasks on 1 connection", total: 10_000,
                                                  publishers: [publisher], tasksPerPublisher: 8, queue: queue))
        rows.append(try await concurrentPublishes("confirmed publish, 64 tasks on 1 connection", total: 10_000,
                                                  publishers: [publisher], tasksPerPublisher: 64, queue: queue))
        var separate: [Publisher] = []
        for _ in 0..<8 { separate.append(try await Publisher(configuration: configuration, logger: logger)) }
        rows.append(try await concurrentPublishes("confirmed publish, 8 connections x 8 tasks", total: 10_000,
                                                  publishers: separate, tasksPerPublisher: 8, queue: queue))
        separate.forEach { $0.close() }
        publisher.close()

        let rpcQueue = "bench.rpc.\(UUID().uuidString.prefix(8))"
        let server = try await RPCServer(
            configuration: configuration, queue: rpcQueue,
            topology: Topology(queues: [Topology.Queue(rpcQueue, arguments: ["x-expires": .int(60_000)])]),
            prefetch: 64, logger: logger) { request in request.body }
        let client = try await RPCClient(configuration: configuration, logger: logger)
        for _ in 0..<200 { _ = try await client.call(queue: rpcQueue, body: body) }  // warm-up
        latencies = []
        let rpcStart = ContinuousClock.now
        for _ in 0..<2_000 {
            let start = ContinuousClock.now
            _ = try await client.call(queue: rpcQueue, body: body)
            latencies.append(milliseconds(ContinuousClock.now - start))
        }
        rows.append(Row("RPC round trip (echo), sequential", latencies, elapsed: ContinuousClock.now - rpcStart))
        rows.append(try await concurrentCalls(client: client, queue: rpcQueue, total: 10_000, tasks: 16))
        client.close()
        await server.stop()

        print("\nbroker: RabbitMQ through rabbitmq-c, 256-byte persistent messages, durable queue")
        print(Row.header)
        rows.forEach { print($0.line) }
    }

    static func concurrentPublishes(_ name: String, total: Int, publishers: [Publisher], tasksPerPublisher: Int,
                                    queue: String) async throws -> Row {
        let tasks = publishers.count * tasksPerPublisher
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for task in 0..<tasks {
                let publisher = publishers[task % publishers.count]
                group.addTask {
                    var mine: [Double] = []
                    for _ in stride(from: task, to: total, by: tasks) {
                        let sent = ContinuousClock.now
                        try await publisher.publish(exchange: "", routingKey: queue, body: body)
                        mine.append(milliseconds(ContinuousClock.now - sent))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Row(name, latencies, elapsed: ContinuousClock.now - start)
    }

    static func concurrentCalls(client: RPCClient, queue: String, total: Int, tasks: Int) async throws -> Row {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mine: [Double] = []
                    for _ in stride(from: task, to: total, by: tasks) {
                        let sent = ContinuousClock.now
                        _ = try await client.call(queue: queue, body: body)
                        mine.append(milliseconds(ContinuousClock.now - sent))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Row("RPC round trip (echo), \(tasks) concurrent callers", latencies, elapsed: ContinuousClock.now - start)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// One line of the table.
    struct Row {
        let name: String
        let stats: LatencyStats
        let perSecond: Double

        init(_ name: String, _ latencies: [Double], elapsed: Duration) {
            self.name = name
            stats = LatencyStats(latencies)
            perSecond = Double(latencies.count) / (BrokerBench.milliseconds(elapsed) / 1000)
        }

        static var header: String {
            pad("measure", 50) + pad("n", 8, right: true) + pad("p50 ms", 10, right: true)
                + pad("p99 ms", 10, right: true) + pad("msg/s", 10, right: true)
        }

        var line: String {
            Self.pad(name, 50) + Self.pad("\(stats.samples.count)", 8, right: true)
                + Self.pad(String(format: "%.2f", stats.p50), 10, right: true)
                + Self.pad(String(format: "%.2f", stats.p99), 10, right: true)
                + Self.pad(String(format: "%.0f", perSecond), 10, right: true)
        }

        static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let space = String(repeating: " ", count: max(0, width - text.count))
            return right ? space + text : text + space
        }
    }
}
