import Foundation
import Logging

/// An RPC request as the server's handler sees it.
public struct RPCRequest: Sendable {
    public let body: Data
    public let properties: MessageProperties
    /// The broker delivered it before: a previous server may have handled it already.
    public let redelivered: Bool
}

/// Serves RPC requests from a queue: runs the handler, publishes its reply to the
/// request's reply-to with its correlation id (confirmed), then acks the request.
///
/// A handler that throws becomes an error reply (header `x-tide-error` holding the
/// error's description), which `RPCClient.call` throws as `rpcRemoteError`; the
/// server goes on serving. Requests without reply-to are logged and dropped.
/// Up to `prefetch` requests are handled concurrently.
public final class RPCServer: Sendable {
    /// The reply header that carries a handler's error.
    public static let errorHeader = "x-tide-error"
    public typealias Handler = @Sendable (RPCRequest) async throws -> Data

    /// The request queue served.
    public let queue: String
    private let consumer: Consumer
    private let publisher: Publisher
    private let serving: Task<Void, Never>

    /// Declares `topology` (by default the durable queue `queue`) and starts serving.
    public init(configuration: BrokerConfiguration, queue: String, topology: Topology? = nil, prefetch: Int = 16,
                logger: Logger, handler: @escaping Handler) async throws {
        self.queue = queue
        let publisher = try await Publisher(configuration: configuration, logger: logger, name: "tide-rpc-replies")
        let consumer: Consumer
        do {
            consumer = try await Consumer(
                configuration: configuration, queue: queue, prefetch: prefetch,
                topology: topology ?? Topology(queues: [Topology.Queue(queue)]), logger: logger, name: "tide-rpc-server")
        } catch {
            publisher.close()
            throw error
        }
        self.publisher = publisher
        self.consumer = consumer
        serving = Task {
            await withTaskGroup(of: Void.self) { group in
                do {
                    for try await request in consumer {
                        group.addTask { await Self.serve(request, queue: queue, handler: handler, publisher: publisher, logger: logger) }
                    }
                } catch {
                    logger.error("RPC server stopped consuming", metadata: ["queue": "\(queue)", "error": "\(error)"])
                }
            }
        }
    }

    /// Stops taking requests, lets those being handled finish, and closes both connections.
    public func stop() async {
        consumer.close()
        await serving.value
        publisher.close()
    }

    private static func serve(_ delivery: Delivery, queue: String, handler: Handler, publisher: Publisher,
                              logger: Logger) async {
        guard let replyTo = delivery.properties.replyTo, !replyTo.isEmpty else {
            logger.warning("RPC request without reply-to, dropped", metadata: ["queue": "\(queue)"])
            try? await delivery.ack()
            return
        }
        var properties = MessageProperties(contentType: delivery.properties.contentType,
                                           correlationID: delivery.properties.correlationID, persistent: false)
        var body: Data
        do {
            body = try await handler(RPCRequest(body: delivery.body, properties: delivery.properties,
                                                redelivered: delivery.redelivered))
        } catch {
            logger.warning("RPC handler failed", metadata: ["queue": "\(queue)", "error": "\(error)"])
            properties.headers[errorHeader] = .string(String(describing: error))
            properties.contentType = "text/plain"
            body = Data(String(describing: error).utf8)
        }
        do {
            try await publisher.publish(exchange: "", routingKey: replyTo, body: body, properties: properties)
            try await delivery.ack()
        } catch {
            // A stale ack means the request comes again; a lost reply means the caller times out.
            logger.warning("RPC reply or ack failed", metadata: ["queue": "\(queue)", "error": "\(error)"])
        }
    }
}
