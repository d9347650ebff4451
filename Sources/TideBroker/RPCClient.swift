import Foundation
import Logging

/// Calls RPC servers over RabbitMQ's direct reply-to, on a connection of its own thread.
///
/// Requests go to the default exchange with the server's queue as routing key;
/// replies come back on `amq.rabbitmq.reply-to`, consumed on the same channel,
/// matched by correlation id. Many calls may be outstanding at once.
public final class RPCClient: Sendable {
    private let worker: ConnectionWorker<RPCClientRole>

    public init(configuration: BrokerConfiguration, logger: Logger, name: String = "tide-rpc-client") async throws {
        worker = ConnectionWorker(role: RPCClientRole(logger: logger), configuration: configuration, name: name,
                                  logger: logger)
        try await worker.start()
    }

    deinit { worker.stop() }

    /// Sends `body` to the server on `queue` and returns its reply.
    ///
    /// Throws `rpcTimeout` when no reply comes within `timeout` (the request expires
    /// in the queue then too), `rpcRemoteError` when the server's handler failed,
    /// `unroutable` when no queue `queue` exists, `connectionLost` when the connection
    /// dropped while waiting (the server may or may not have acted), and
    /// `CancellationError` when the calling task is cancelled.
    public func call(queue: String, body: Data, contentType: String? = "application/json",
                     timeout: Duration = .seconds(10)) async throws -> Data {
        let id = UUID().uuidString
        let deadline = ContinuousClock.now + timeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let call = RPCClientRole.Call(id: id, queue: queue, body: body, contentType: contentType,
                                              timeout: timeout, deadline: deadline, continuation: continuation)
                if !worker.send(.call(call)) { continuation.resume(throwing: BrokerError.closed("RPC client")) }
            }
        } onCancel: {
            _ = worker.send(.cancel(id: id))
        }
    }

    /// Closes the connection; calls still waiting throw `BrokerError.closed`.
    public func close() { worker.stop() }
}
