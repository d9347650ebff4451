import Foundation
import Logging
import TideBackend
import TideLocalBackend

extension SchedulerCommand {
    /// The backend `--backend` names (validated: only `local` today).
    func makeBackend(directory: String, logger: Logger) throws -> any ClusterBackend {
        let shim = LocalBackend.shimNextToExecutable()
        guard FileManager.default.isExecutableFile(atPath: shim.path) else {
            throw BackendError("the local backend needs tide-worker-shim next to the scheduler, at \(shim.path); build it with `swift build --product tide-worker-shim`")
        }
        return try LocalBackend(dataDirectory: URL(fileURLWithPath: directory), shim: shim, logger: logger)
    }
}
