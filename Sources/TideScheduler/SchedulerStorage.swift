import TideCore
import TideJobs

/// What a scheduler reads from and writes to MongoDB, behind a small
/// protocol so the scheduling logic can be driven in tests.
public protocol SchedulerStorage: Sendable {
    /// This GPU type's jobs that are not finished (Submitted, Waiting, Running).
    func activeJobs(accelerator: String) async throws -> [StoredJob]
    /// One job by stored name, whatever its state.
    func job(named name: String) async throws -> StoredJob?
    /// The jobs of these stored names that exist, whatever their state.
    func jobs(named names: [String]) async throws -> [StoredJob]
    /// This GPU type's nodes.
    func nodes(accelerator: String) async throws -> [NodeRecord]
    /// The `job_info` documents of `jobs`: the scheduler's records and the collector's estimates.
    func info(jobs: [String]) async throws -> [String: JobInfo]
    /// Writes `record` into `job`'s `job_info` document before acting on it.
    func save(_ record: SchedulerRecord, job: String) async throws
    /// Applies `change` to the job's status at its current version (re-read
    /// and re-applied when another writer got there first); returns the job
    /// written, or nil when it no longer exists or is no longer on
    /// `accelerator` (failed back meanwhile: another scheduler owns it now).
    func updateStatus(job: String, accelerator: String, _ change: @Sendable (inout JobStatus) -> Void) async throws -> StoredJob?
    /// Hands the job from GPU type `from` to another type's scheduler (failback): its
    /// accelerator becomes `accelerator`, its failback is used up, and it waits
    /// there with `message`. Returns the job written, or nil when it no longer
    /// exists, has finished or is no longer on `from` meanwhile.
    func move(job: String, from: String, to accelerator: String, message: String) async throws -> StoredJob?
    /// Appends one entry to the job's history.
    func record(_ event: JobHistoryEvent) async throws
}

/// A job's `job_info` document.
public struct JobInfo: Codable, Sendable, Equatable {
    public var name: String
    /// Written by the job's scheduler.
    public var scheduler: SchedulerRecord?
    /// Written by the metrics collector.
    public var estimate: JobEstimate?

    public init(name: String, scheduler: SchedulerRecord? = nil, estimate: JobEstimate? = nil) {
        self.name = name
        self.scheduler = scheduler
        self.estimate = estimate
    }
}
