import Foundation

/// The chunks of a streamed response between libcurl's thread and the
/// consumer, bounded in bytes: when the consumer falls behind, the transfer's
/// thread waits in `push` (libcurl then stops reading the socket, and TCP
/// slows the server), so a long watch holds at most `limit` bytes here.
///
/// `@unchecked Sendable`: every stored property is read and written only
/// with `condition` locked.
final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [Data] = []
    private var head = 0
    private var bytes = 0
    private var ended = false
    private var failure: (any Error)?
    private var consumerGone = false
    private var waiting: CheckedContinuation<Data?, any Error>?
    let limit: Int

    init(limit: Int = 1 << 20) {
        self.limit = limit
    }

    /// Adds a chunk, waiting while `limit` bytes are queued. False when the consumer is gone
    /// or `isCancelled` turned true while waiting: the transfer should stop.
    func push(_ chunk: Data, isCancelled: () -> Bool) -> Bool {
        condition.lock()
        while bytes >= limit && !consumerGone {
            if isCancelled() {
                condition.unlock()
                return false
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        if consumerGone {
            condition.unlock()
            return false
        }
        if let consumer = waiting {
            waiting = nil
            condition.unlock()
            consumer.resume(returning: chunk)
            return true
        }
        chunks.append(chunk)
        bytes += chunk.count
        condition.unlock()
        return true
    }

    /// No more chunks: the stream ends, with `error` if given.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        ended = true
        failure = error
        let consumer = waiting
        waiting = nil
        condition.unlock()
        if let error { consumer?.resume(throwing: error) } else { consumer?.resume(returning: nil) }
    }

    /// The consumer stopped reading: the transfer stops, and a read under way ends.
    func abandon() {
        condition.lock()
        consumerGone = true
        chunks = []
        head = 0
        bytes = 0
        let consumer = waiting
        waiting = nil
        condition.broadcast()
        condition.unlock()
        consumer?.resume(returning: nil)
    }

    /// The next chunk, nil at the end.
    func next() async throws -> Data? {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if consumerGone {
                condition.unlock()
                continuation.resume(returning: nil)
            } else if head < chunks.count {
                let chunk = chunks[head]
                head += 1
                bytes -= chunk.count
                if head > 64 && head * 2 > chunks.count {
                    chunks.removeFirst(head)
                    head = 0
                }
                condition.signal()
                condition.unlock()
                continuation.resume(returning: chunk)
            } else if ended {
                let error = failure
                condition.unlock()
                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
            } else {
                waiting = continuation
                condition.unlock()
            }
        }
    }
}
