import Synchronization

/// Whether a service is ready for work, read by `/readyz`.
public final class Readiness: Sendable {
    private let value = Mutex(false)

    public init() {}

    public var isReady: Bool { value.withLock { $0 } }

    public func set(_ ready: Bool) { value.withLock { $0 = ready } }
}
