import Logging
import ServiceLifecycle
import TideBroker
import TideServiceKit

/// Serves the allocator's RPC queue until graceful shutdown: requests in
/// flight are answered, then both broker connections close.
///
/// Several replicas consume one queue; the broker hands each request to one
/// of them. A request whose replica died before replying is redelivered to
/// another, which answers it the same way.
public struct AllocatorRPCService: Service {
    let broker: BrokerConfiguration
    let queue: String
    let prefetch: Int
    let handler: AllocationHandler
    let readiness: Readiness
    let logger: Logger

    public init(
        broker: BrokerConfiguration, queue: String = BrokerNames.allocatorQueue, prefetch: Int = 4,
        handler: AllocationHandler, readiness: Readiness, logger: Logger
    ) {
        self.broker = broker
        self.queue = queue
        self.prefetch = prefetch
        self.handler = handler
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        let handler = handler
        let server = try await RPCServer(
            configuration: broker, queue: queue, prefetch: prefetch, logger: logger
        ) { request in
            try handler.respond(to: request.body)
        }
        readiness.set(true)
        logger.info("serving allocation requests", metadata: ["queue": "\(queue)"])
        try? await gracefulShutdown()
        readiness.set(false)
        await server.stop()
    }
}
