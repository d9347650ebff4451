/// Where a job is in its life.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stored and published; no scheduler has taken it yet.
    case submitted = "Submitted"
    /// Held by its scheduler, without workers.
    case waiting = "Waiting"
    /// Has workers.
    case running = "Running"
    /// Its workers exited 0 without Tide asking them to stop.
    case completed = "Completed"
    /// Failed past its retries, or could not run.
    case failed = "Failed"
    /// Deleted by a user: workers stopped, the document kept.
    case canceled = "Canceled"

    /// Completed, Failed and Canceled never change again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .canceled: return true
        case .submitted, .waiting, .running: return false
        }
    }
}
