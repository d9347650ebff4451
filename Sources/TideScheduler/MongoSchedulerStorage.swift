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

    /// Over `store`, which must have its schema (`MongoStore.ensureSchema`).
    public init(store: MongoStore) {
        jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs)
        nodeCollection = store.collection(StoreSchema.nodes)
        infoCollection = store.collection(StoreSchema.jobInfo)
        events = EventStore(store)
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
        try await infoCollection.upsertFields(["name": .string(job)], set: [("scheduler", record)])
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

    public func move(job name: String, to accelerator: String, message: String) async throws -> StoredJob? {
        try await rewrite(name) { job in
            guard !job.status.state.isTerminal else { return nil }
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
        for _ in 0..<20 {
            guard var record = try await jobs.get(name) else { return nil }
            guard let changed = change(&record.job) else { return nil }
            guard changed else { return record.job }
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
