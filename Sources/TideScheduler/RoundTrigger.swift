import Synchronization
import TideBroker

/// Collects reasons for a round: broker deliveries (acked once a round after
/// them has stored its effect) and wake-ups, merged so that a burst of
/// events makes one round.
public final class RoundTrigger: Sendable {
    private let pending = Mutex<[Delivery]>([])
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        // One buffered wake-up is enough: a round takes everything pending.
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the round loop now.
    public func wake() { continuation.yield() }

    /// Wakes the round loop after `delay`.
    public func wake(after delay: Duration) {
        guard delay > .zero else { return wake() }
        Task { [self] in
            try? await Task.sleep(for: delay)
            wake()
        }
    }

    /// A message that asks for a round; it is acked after that round.
    public func add(_ delivery: Delivery) {
        pending.withLock { $0.append(delivery) }
        wake()
    }

    /// The deliveries waiting for a round, handed over once.
    func takeDeliveries() -> [Delivery] {
        pending.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }

    /// Deliveries a failed round could not settle go back for the next one.
    func putBack(_ deliveries: [Delivery]) {
        pending.withLock { $0.insert(contentsOf: deliveries, at: 0) }
    }

    var wakeUps: AsyncStream<Void> { stream }

    func finish() { continuation.finish() }
}
