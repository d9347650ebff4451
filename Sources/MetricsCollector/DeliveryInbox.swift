import Synchronization
import TideBroker

/// A consumer's deliveries gathered into batches, and the queue's end told by silence.
///
/// AMQP tells a consumer nothing when a queue runs empty, so a one-shot run
/// takes the queue as drained when no delivery came for `idle` (500 ms by
/// default: the broker pushes up to the prefetch count at once, and a message
/// published after that moment is simply left for the next run). A batch is
/// handed out as soon as `limit` deliveries wait (the consumer's prefetch: no
/// more can come until some are acked) or the queue went quiet.
final class DeliveryInbox: Sendable {
    private struct State {
        var waiting: [Delivery] = []
        var lastActivity: ContinuousClock.Instant
        var failure: (any Error)?
        var ended = false
    }

    private let state = Mutex(State(lastActivity: .now))

    /// Moves `consumer`'s deliveries in until it ends or fails.
    func pump(_ consumer: Consumer) async {
        do {
            for try await delivery in consumer {
                state.withLock {
                    $0.waiting.append(delivery)
                    $0.lastActivity = .now
                }
            }
            state.withLock { $0.ended = true }
        } catch {
            state.withLock { $0.failure = error }
        }
    }

    /// Up to `limit` deliveries, waiting for `limit` of them or for `idle` of
    /// silence; empty when the queue is drained. Throws the consumer's failure.
    func nextBatch(limit: Int, idle: Duration) async throws -> [Delivery] {
        while true {
            let batch: [Delivery]? = try state.withLock { state throws(any Error) in
                if let failure = state.failure { throw failure }
                guard state.waiting.count >= limit || state.ended || ContinuousClock.now - state.lastActivity >= idle
                else { return nil }
                let taken = Array(state.waiting.prefix(limit))
                state.waiting.removeFirst(taken.count)
                return taken
            }
            if let batch { return batch }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Starts the silence over: after a batch is acked the broker sends the next ones, which takes a moment.
    func restartIdleClock() {
        state.withLock { $0.lastActivity = .now }
    }
}
