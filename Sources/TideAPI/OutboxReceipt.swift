import Foundation

/// A receipt for changes whose events were published (after the broker's
/// confirm) but whose jobs' outbox flags are not cleared yet. One receipt
/// covers many jobs, so it costs a submission a small share of one insert,
/// where clearing the flag rewrites the job's whole document and its index
/// entries. Every replica's republisher reads receipts, so a flag may stay
/// set long after its publish (until a quiet moment) without the change
/// being published again.
struct OutboxReceipt: Codable, Sendable {
    struct Entry: Codable, Sendable, Hashable {
        var name: String
        /// The job's version whose changes were published (and every earlier one).
        var version: Int
    }

    var entries: [Entry]
    var at: Date
}
