import Foundation

/// A create sent with an `Idempotency-Key`, as stored in `submissions`: the stored name
/// its job has or will have, the id of the write that stores it, and what was sent.
struct Submission: Codable, Sendable {
    /// The client's `Idempotency-Key` (unique).
    var key: String
    /// The job's stored name; moved on when another job took the name first.
    var job: String
    /// The write id every request with the key notes on the job it stores.
    var write: String
    /// A digest of the document sent: the same key with another document is refused.
    var digest: String
    /// When the first request came: the job's submit time.
    var time: Date
}
