import TideJobs
import TideMetrics
import TideStore

/// The collector's reads and writes: `job_info` documents, and the stored jobs metrics files refer to.
struct CollectorStore: Sendable {
    private let info: MongoCollection<CollectorRecord>
    private let jobs: MongoCollection<JobSpecProbe>

    init(store: MongoStore) {
        info = store.collection(StoreSchema.jobInfo)
        jobs = store.collection(StoreSchema.jobs)
    }

    /// The `job_info` documents of `names` that exist.
    func records(_ names: [String]) async throws -> [String: CollectorRecord] {
        guard !names.isEmpty else { return [:] }
        let found = try await info.find(["name": ["$in": .array(names.map { .string($0) })]])
        return Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Writes the history and the estimate in one upsert, leaving every other field alone.
    func save(job: String, progress: ProgressHistory, estimate: JobEstimate) async throws {
        try await info.upsertFields(["name": .string(job)], set: [("progress", progress), ("estimate", estimate)])
    }

    /// Documents whose estimate changed without an announcement yet (this run's or a failed run's).
    func unannounced() async throws -> [CollectorRecord] {
        try await info.find(["progress.announcePending": true])
    }

    func markAnnounced(_ names: [String]) async throws {
        _ = try await info.updateMany(
            ["name": ["$in": .array(names.map { .string($0) })]], ["$set": ["progress.announcePending": false]])
    }

    /// GPU type and epoch total of the stored jobs `names`, by name.
    func specs(_ names: [String]) async throws -> [String: JobSpecProbe.Spec] {
        guard !names.isEmpty else { return [:] }
        let found = try await jobs.find([DocumentFields.job.name: ["$in": .array(names.map { .string($0) })]])
        return Dictionary(found.compactMap { job in job.spec.map { (job.metadata.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}
