import Foundation
import TideStore

/// One entry of a job's history in the `events` collection: what changed, when, and why.
public struct JobHistoryEvent: JobEvent, Hashable {
    /// The job's stored name.
    public var job: String
    public var time: Date
    /// `Created`, `Updated`, `Canceled`, or a later issue's kinds (`Started`, `Resized`...).
    public var type: String
    /// For people: what changed (`priority 0 → 5`).
    public var message: String
    /// The job's GPU type, so a watch can filter without reading the job.
    public var accelerator: String
    /// The job's state after the change.
    public var state: String
    /// The job's version after the change.
    public var version: Int

    public init(job: String, time: Date, type: String, message: String, accelerator: String, state: String,
                version: Int) {
        self.job = job
        self.time = time
        self.type = type
        self.message = message
        self.accelerator = accelerator
        self.state = state
        self.version = version
    }
}
