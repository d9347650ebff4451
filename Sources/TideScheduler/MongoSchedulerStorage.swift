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
        // Another writer (a patch, a cancel) may win between read and write: read again and re-apply.
        for _ in 0..<20 {
            guard let current = try await jobs.get(name), current.job.spec.accelerator == accelerator else { return nil }
            var status = current.job.status
            change(&status)
            if status == current.job.status { return current.job }
            do {
                return try await jobs.update(name, expectedVersion: current.version) { $0.job.status = status }.job
            } catch StoreError.conflict {
                continue
            }
        }
        throw StoreError.conflict(collection: StoreSchema.jobs, name: name, expectedVersion: -1, actualVersion: -1)
    }

    public func move(job name: String, to accelerator: String, message: String) async throws -> StoredJob? {
        for _ in 0..<20 {
            guard let current = try await jobs.get(name), !current.job.status.state.isTerminal else { return nil }
            do {
                return try await jobs.update(name, expectedVersion: current.version) {
                    $0.job.spec.accelerator = accelerator
                    $0.job.spec.failback = nil
                    $0.job.status.state = .waiting
                    $0.job.status.workers = 0
                    $0.job.status.message = message
                }.job
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
