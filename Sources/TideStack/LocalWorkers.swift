import Foundation
import Logging
import TideBackend
import TideLocalBackend

/// The local backend's workers, seen from outside any scheduler.
enum LocalWorkers {
    /// Stops every live worker as the scheduler would (marked as asked for, so
    /// its end is neither a completion nor a failure) and leaves the exits
    /// unacknowledged: the next scheduler collects them and starts those runs
    /// again from their checkpoints.
    static func stopAll(dataDirectory: URL, binDirectory: String, grace: Duration, logger: Logger) async {
        do {
            let shim = URL(fileURLWithPath: binDirectory).appendingPathComponent("tide-worker-shim")
            let backend = try LocalBackend(dataDirectory: dataDirectory, shim: shim, logger: logger)
            let running = try await backend.adopt().running
            if running.isEmpty { return }
            logger.info("stopping workers", metadata: ["count": "\(running.count)"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Children capture only the id: Swift 6.3 aborts ("freed pointer was not the last
                // allocation", swiftlang/swift#87481) when they capture the whole adopted worker.
                for id in running.map(\.launch.id) {
                    group.addTask { try await backend.stop(id, grace: grace) }
                }
                try await group.waitForAll()
            }
        } catch {
            logger.error("cannot stop the local workers", metadata: ["error": "\(error)"])
        }
    }
}
