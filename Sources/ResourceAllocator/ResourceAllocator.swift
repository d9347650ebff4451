import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TideAllocatorService
import TideBroker
import TideServiceKit

/// `resource-allocator`: answers allocation requests on the RPC queue
/// `tide.allocator` with the allocation library, and serves `/healthz`,
/// `/readyz` and `/metrics`, until SIGTERM or SIGINT.
@main
struct ResourceAllocator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resource-allocator",
        abstract: "Tide's allocator: snapshot in, decision out, over RabbitMQ RPC.")

    @Option(help: "Port for /healthz, /readyz and /metrics (0 = any free port).")
    var port = 55589

    @Option(help: "Address to listen on.")
    var host = "0.0.0.0"

    @OptionGroup var broker: BrokerOptions

    @Option(help: "The RPC request queue.")
    var queue = BrokerNames.allocatorQueue

    @Option(help: "Requests handled at once by this replica.")
    var prefetch = 2

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard prefetch >= 1 else { throw ValidationError("--prefetch must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "tide.resource-allocator")
        logger.logLevel = .info
        let metrics = AllocatorMetrics()
        let readiness = Readiness()
        let rpc = AllocatorRPCService(
            broker: try BrokerConfiguration(uri: broker.uri), queue: queue, prefetch: prefetch,
            handler: AllocationHandler(metrics: metrics), readiness: readiness, logger: logger)
        let router = Router(context: BasicRequestContext.self)
        ProbeRoutes.add(
            to: router, readiness: readiness, notReadyReason: "not consuming the allocator queue yet",
            metrics: { metrics.render() })
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "tide-allocator"),
            logger: logger)
        app.addServices(rpc)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
