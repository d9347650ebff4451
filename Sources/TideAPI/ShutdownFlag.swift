import ServiceLifecycle
import Synchronization

/// Set when the service group begins a graceful shutdown, so open watch streams end
/// and let the HTTP server drain.
public final class ShutdownFlag: Sendable {
    private let value = Mutex(false)

    public init() {}

    public var isSet: Bool { value.withLock { $0 } }

    func set() { value.withLock { $0 = true } }

    /// A service that sets the flag when graceful shutdown begins.
    struct Watcher: Service {
        let flag: ShutdownFlag

        func run() async throws {
            try? await gracefulShutdown()
            flag.set()
        }
    }
}
