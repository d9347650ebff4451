import Logging
import TideBackend

extension SchedulerCommand {
    /// The backend `--backend` names.
    func makeBackend(directory: String, logger: Logger) throws -> any ClusterBackend {
        throw BackendError("the local backend is not merged yet")
    }
}
