import Foundation
import TideCore
import TideJobs

/// Publishes a job's change on `tide.jobs` and returns once the broker confirmed it.
///
/// A protocol so the outbox and the routes can be tested against a broker that
/// refuses everything, without a real outage.
public protocol JobEventPublishing: Sendable {
    /// Publishes `entry` with `job` (its current state) as the body.
    func publish(_ entry: OutboxEntry, job: StoredJob) async throws
}
