import Foundation
import Synchronization

/// An HTTP/1.1 client on libcurl: each request runs on a thread of its own, never on
/// Swift's cooperative pool, and is bridged back with a continuation or an `AsyncThrowingStream`.
public struct CurlHTTPClient: Sendable {
    /// Idle handles with their open connections, when the client reuses connections.
    private let handles: EasyHandlePool?

    /// A client that opens a connection per request and closes it after the answer (as `cmd` needs:
    /// one request, then exit).
    public init() {
        handles = nil
    }

    /// A client that keeps connections open after an answer and sends later requests on them
    /// (if the server keeps them open too), when `reusingConnections`; one connection per request
    /// under way at once. Copies of the client share its connections.
    public init(reusingConnections: Bool) {
        handles = reusingConnections ? EasyHandlePool() : nil
    }

    /// Sends `request` and collects the whole answer; any status is an answer, only a
    /// missing one throws `HTTPClientError`. Cancelling the task aborts the transfer.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let cancelled = CancelFlag()
        let handles = self.handles
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    var head = HTTPResponseHead(status: 0, headers: [])
                    var body = Data()
                    let handle = handles?.take()
                    let outcome = Result { () throws(HTTPClientError) in
                        try CurlTransfer.perform(
                            request, reusing: handle, onHead: { head = $0 }, onBody: { body.append($0); return true },
                            isCancelled: { cancelled.isSet })
                    }
                    // Back before the caller resumes, so its next request finds the open connection.
                    if let handle { handles?.giveBack(handle) }
                    do {
                        try outcome.get()
                        if cancelled.isSet {
                            continuation.resume(throwing: CancellationError())
                        } else {
                            continuation.resume(returning: HTTPResponse(head: head, body: body))
                        }
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            cancelled.set()
        }
    }

    /// Sends `request` and returns as soon as the head is in, with the body as a stream of
    /// chunks (a watch). Ending the iteration, or cancelling its task, aborts the transfer.
    public func stream(_ request: HTTPRequest) async throws -> (HTTPResponseHead, AsyncThrowingStream<Data, any Error>) {
        let cancelled = CancelFlag()
        let queue = ChunkQueue()
        let head: HTTPResponseHead = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    var headSent = false
                    do {
                        try CurlTransfer.perform(
                            request,
                            onHead: { head in
                                headSent = true
                                continuation.resume(returning: head)
                            },
                            onBody: { chunk in queue.push(chunk, isCancelled: { cancelled.isSet }) },
                            isCancelled: { cancelled.isSet })
                        if !headSent { continuation.resume(throwing: CancellationError()) }
                        queue.finish()
                    } catch {
                        if headSent { queue.finish(throwing: error) } else { continuation.resume(throwing: error) }
                    }
                }
            }
        } onCancel: {
            cancelled.set()
        }
        // Pulled, not pushed: the next chunk leaves the bounded queue only when asked for.
        let transfer = StreamedTransfer(queue: queue, cancelled: cancelled)
        return (head, AsyncThrowingStream(unfolding: { try await transfer.next() }))
    }
}

/// The consumer's side of a streamed transfer. Stops the transfer when the
/// consuming task is cancelled or the stream is dropped.
private final class StreamedTransfer: Sendable {
    let queue: ChunkQueue
    let cancelled: CancelFlag

    init(queue: ChunkQueue, cancelled: CancelFlag) {
        self.queue = queue
        self.cancelled = cancelled
    }

    func next() async throws -> Data? {
        try await withTaskCancellationHandler {
            try await queue.next()
        } onCancel: {
            stop()
        }
    }

    private func stop() {
        cancelled.set()
        queue.abandon()
    }

    deinit { stop() }
}

/// Set once by whoever gives up on a transfer; read by the transfer's thread.
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .acquiring) }

    func set() { value.store(true, ordering: .releasing) }
}
