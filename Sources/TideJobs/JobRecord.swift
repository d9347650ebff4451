import Foundation
import TideCore
import TideStore

/// A job as the `jobs` collection holds it: the stored job `{metadata, spec, status}`
/// plus its outbox, the changes stored but not yet confirmed by the broker.
///
/// The outbox lives in the job's own document so that storing a change and
/// owing its event are one write: an event is never published for a change
/// that was not stored, and a change stored while the broker is down is
/// published later by whoever finds the flag set. Readers that want only the
/// job decode `StoredJob`, which ignores the outbox fields.
public struct JobRecord: VersionedDocument, Sendable, Hashable {
    public static let fields = DocumentFields.job

    /// The top-level field that marks a job with unpublished changes (indexed equality on a bool).
    public static let outboxField = StoreSchema.outboxField
    /// The top-level field with the version of the newest unpublished change. A clear is pinned to
    /// it, not to the job's version: other writers (the scheduler) bump the version and carry the
    /// outbox over unchanged, and their write must not make a published change owed again.
    public static let outboxVersionField = "outboxVersion"

    public var job: StoredJob
    /// Changes not yet published, oldest first; empty when `outbox` is clear.
    public var outbox: [OutboxEntry]
    /// When the oldest unpublished change was stored (the republisher leaves fresh ones to their writer).
    public var outboxSince: Date?
    /// Ids of the latest writes the API made to this record, oldest first (at most
    /// `recentWritesKept`). A writer whose answer was lost (the connection broke after the
    /// write landed) finds its id here and knows the write is done, instead of taking it
    /// for another writer's and doing it again. Other writers carry it over unchanged.
    public private(set) var recentWrites: [String] = []
    /// How many write ids a record keeps: a writer looks for its own right after its write,
    /// so only writes landing in between (other requests to the same job) can push it out.
    public static let recentWritesKept = 16
    /// The term of the scheduler that last wrote the job (`LeadershipTerm`): a scheduler
    /// of an earlier term of the same lease may no longer write it. Other writers carry it
    /// over unchanged.
    public var schedulerTerm: LeadershipTerm.Token?
    /// The `Idempotency-Key` the job was submitted with: a create sent again with it
    /// finds this job instead of storing a second one. Other writers carry it over unchanged.
    public var submissionKey: String?
    /// Read from a document flagged without `outboxVersion`: written before that field existed, or
    /// rewritten by a service that predates it during an upgrade. Such a flag is cleared by the job's version.
    public private(set) var isFlaggedWithoutOutboxVersion = false

    public init(job: StoredJob, outbox: [OutboxEntry] = [], outboxSince: Date? = nil) {
        self.job = job
        self.outbox = outbox
        self.outboxSince = outboxSince
    }

    public var name: String { job.name }
    public var version: Int {
        get { job.version }
        set { job.version = newValue }
    }

    /// Adds `change` (made at job version `version`) to the outbox, keeping the time of the oldest pending one.
    public mutating func owe(_ change: JobChange, version: Int, at time: Date) {
        if outbox.isEmpty { outboxSince = time }
        outbox.append(OutboxEntry(change: change, version: version))
    }

    /// Marks this version of the record as written by the write `id`.
    public mutating func noteWrite(_ id: String) {
        recentWrites.append(id)
        if recentWrites.count > Self.recentWritesKept { recentWrites.removeFirst(recentWrites.count - Self.recentWritesKept) }
    }

    /// Whether the write `id` is one of the record's latest.
    public func wasWritten(by id: String) -> Bool { recentWrites.contains(id) }

    /// The version of the newest unpublished change; nil when nothing is owed.
    public var newestOwedVersion: Int? { outbox.last?.version }

    /// Drops the owed changes up to `version`, which were published already.
    public mutating func forgetPublished(upTo version: Int) {
        outbox.removeAll { $0.version <= version }
        if outbox.isEmpty { outboxSince = nil }
    }

    /// The record with an empty outbox.
    public var cleared: JobRecord {
        var record = self
        record.outbox = []
        record.outboxSince = nil
        return record
    }
}

extension JobRecord: Codable {
    private enum Keys: String, CodingKey {
        case outbox, outboxEvents, outboxSince, outboxVersion, recentWrites, schedulerLease, schedulerTerm, submissionKey
    }

    public init(from decoder: any Decoder) throws {
        job = try StoredJob(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        outbox = try container.decodeIfPresent([OutboxEntry].self, forKey: .outboxEvents) ?? []
        outboxSince = try container.decodeIfPresent(Date.self, forKey: .outboxSince)
        recentWrites = try container.decodeIfPresent([String].self, forKey: .recentWrites) ?? []
        if let lease = try container.decodeIfPresent(String.self, forKey: .schedulerLease),
            let number = try container.decodeIfPresent(Int.self, forKey: .schedulerTerm)
        {
            schedulerTerm = LeadershipTerm.Token(lease: lease, number: number)
        }
        submissionKey = try container.decodeIfPresent(String.self, forKey: .submissionKey)
        isFlaggedWithoutOutboxVersion = !outbox.isEmpty && !container.contains(.outboxVersion)
    }

    public func encode(to encoder: any Encoder) throws {
        try job.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        // The flag is a plain bool so the republisher's query is a simple equality.
        try container.encode(!outbox.isEmpty, forKey: .outbox)
        try container.encode(outbox, forKey: .outboxEvents)
        if let outboxSince { try container.encode(outboxSince, forKey: .outboxSince) }
        if let newestOwedVersion { try container.encode(newestOwedVersion, forKey: .outboxVersion) }
        if !recentWrites.isEmpty { try container.encode(recentWrites, forKey: .recentWrites) }
        if let schedulerTerm {
            try container.encode(schedulerTerm.lease, forKey: .schedulerLease)
            try container.encode(schedulerTerm.number, forKey: .schedulerTerm)
        }
        if let submissionKey { try container.encode(submissionKey, forKey: .submissionKey) }
    }
}

/// One unpublished change: what happened and the job version it made, which names the
/// message (`<job>/<version>/<change>`) the same way on every republish.
public struct OutboxEntry: Sendable, Hashable, Codable {
    public var change: JobChange
    public var version: Int

    public init(change: JobChange, version: Int) {
        self.change = change
        self.version = version
    }
}
