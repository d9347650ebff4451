import Foundation

/// The `status` part of a stored job.
public struct JobStatus: Sendable, Hashable, Codable {
    public var state: JobState
    /// Workers the job has now.
    public var workers: Int
    /// Why the job is in its state, for people (empty if nothing to say).
    public var message: String
    /// When the job was submitted.
    public var submittedAt: Date
    /// When its first worker started, if it has.
    public var startedAt: Date?
    /// When it reached a terminal state, if it has.
    public var finishedAt: Date?

    public init(
        state: JobState, workers: Int = 0, message: String = "", submittedAt: Date, startedAt: Date? = nil,
        finishedAt: Date? = nil
    ) {
        self.state = state
        self.workers = workers
        self.message = message
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
