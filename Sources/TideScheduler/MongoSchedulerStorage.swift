import Foundation
import TideCore
import TideJobs
import TideStore

/// `SchedulerStorage` on the spec's collections.
public struct MongoSchedulerStorage: SchedulerStorage {
    private let jobs: VersionedStore<JobRecord>
    private let nodeCollection: MongoCollection<NodeRecord>
    private let infoCollection: MongoCollection<JobInfo>
    private let events: EventStore<JobHistoryEvent>
    /// The leader's term, which every write of a job and its record carries; nil where no
    /// election runs (writes are then not fenced).
    private let term: LeadershipTerm?

    /// The fields of `job_info` with the lease and the term of the scheduler that last wrote the record.
    static let leaseField = "schedulerLease"
    static let termField = "schedulerTerm"

    /// Over `store`, which must have its schema (`MongoStore.ensureSchema`). With `term`, a
    /// write to a job or its record that a scheduler of a later term has written is refused
    /// (`SchedulerFenced`): a replica that lost the lease may still have writes under way.
    public init(store: MongoStore, term: LeadershipTerm? = nil) {
        jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs)
        nodeCollection = store.collection(StoreSchema.nodes)
        infoCollection = store.collection(StoreSchema.jobInfo)
        events = EventStore(store)
        self.term = term
    }

    public func activeJobs(accelerator: String) async throws -> [StoredJob] {
        let fields = JobRecord.fields
        let active: [BSONValue] = [JobState.submitted, .waiting, .running].map { .string($0.rawValue) }
        return try await jobs.collection.find([
            fields.accelerator!: .string(accelerator), fields.status!: ["$in": .array(active)],
        ]).map(\.job)
    }

    public func job(named name: String) async throws -> StoredJob? {
        try await jobs.get(name)?.job
    }

    public func jobs(named names: [String]) async throws -> [StoredJob] {
        guard !names.isEmpty else { return [] }
        return try await jobs.collection.find([JobRecord.fields.name: ["$in": .array(names.map { .string($0) })]]).map(\.job)
    }

    public func nodes(accelerator: String) async throws -> [NodeRecord] {
        try await nodeCollection.find(["accelerator": .string(accelerator)])
    }

    public func info(jobs names: [String]) async throws -> [String: JobInfo] {
        guard !names.isEmpty else { return [:] }
        let found = try await infoCollection.find(["name": ["$in": .array(names.map { .string($0) })]])
        return Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func save(_ record: SchedulerRecord, job: String) async throws {
        guard let term = term?.current else {
            try await infoCollection.upsertFields(["name": .string(job)], set: [("scheduler", record)])
            return
        }
        // A record a later term wrote matches no filter: the upsert then inserts a second
        // document of that name, which the unique index refuses.
        let filter: BSONValue = [
            "name": .string(job),
            "$or": [[Self.leaseField: ["$ne": .string(term.lease)]], [Self.termField: ["$lte": .int(term.number)]]],
        ]
        do {
            try await infoCollection.upsertFields(
                filter, set: [("scheduler", record)],
                values: [(Self.leaseField, .string(term.lease)), (Self.termField, .int(term.number))])
        } catch StoreError.alreadyExists {
            throw SchedulerFenced(job: job, term: term.number)
        }
    }

    public func updateStatus(
        job name: String, accelerator: String, _ change: @Sendable (inout JobStatus) -> Void
    ) async throws -> StoredJob? {
        try await rewrite(name) { job in
            guard job.spec.accelerator == accelerator else { return nil }
            let before = job.status
            change(&job.status)
            return job.status != before
        }
    }

    public func move(job name: String, from: String, to accelerator: String, message: String) async throws -> StoredJob? {
        try await rewrite(name) { job in
            // Moved already: another type's scheduler owns it, whatever this one still has under way.
            guard !job.status.state.isTerminal, job.spec.accelerator == from else { return nil }
            job.spec.accelerator = accelerator
            job.spec.failback = nil
            job.status.state = .waiting
            job.status.workers = 0
            job.status.message = message
            return true
        }
    }

    /// Reads the job, lets `change` alter it, and writes it at the version read;
    /// when another writer (a patch, a cancel) got there first, reads and applies
    /// again. `change` answers nil to leave the job alone (nil is returned),
    /// false when it changed nothing (the job is returned as read).
    private func rewrite(_ name: String, _ change: (inout StoredJob) -> Bool?) async throws -> StoredJob? {
        let term = term?.current
        for _ in 0..<20 {
            guard var record = try await jobs.get(name) else { return nil }
            if let term, let written = record.schedulerTerm, term.isEarlier(than: written) {
                throw SchedulerFenced(job: name, term: term.number)
            }
            guard let changed = change(&record.job) else { return nil }
            guard changed else { return record.job }
            record.schedulerTerm = term ?? record.schedulerTerm
            do {
                return try await jobs.replace(record).job
            } catch StoreError.conflict {
                continue
            }
        }
        throw StoreError.conflict(collection: StoreSchema.jobs, name: name, expectedVersion: -1, actualVersion: -1)
    }

    public func record(_ event: JobHistoryEvent) async throws {
        _ = try await events.append(event)
    }
}

/// A write refused because a scheduler of a later term has written the job: this
/// replica no longer leads its GPU type and must not act on it.
public struct SchedulerFenced: Error, Sendable, CustomStringConvertible {
    public var job: String
    public var term: Int

    public var description: String {
        "job \(job) was written by a scheduler of a term after \(term): this replica no longer leads"
    }
}
