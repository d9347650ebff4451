import Foundation
import TideCore

/// One job as its scheduler holds it: the stored job and the scheduler's record of it.
public struct ManagedJob: Sendable, Equatable {
    public var stored: StoredJob
    public var record: SchedulerRecord

    public init(stored: StoredJob, record: SchedulerRecord = SchedulerRecord()) {
        self.stored = stored
        self.record = record
    }

    public var name: String { stored.name }
    public var spec: JobSpec { stored.spec }
    public var hasWorkers: Bool { !record.workers.isEmpty }
}
