import CMongoC

/// The spec's collections in database `tide` and their indexes.
public enum StoreSchema {
    public static let jobs = "jobs"
    /// Per-job estimates and policy state.
    public static let jobInfo = "job_info"
    public static let nodes = "nodes"
    /// One document per event.
    public static let events = "events"
    /// One document per create sent with an `Idempotency-Key`: the stored name its job has or will have.
    public static let submissions = "submissions"
    /// A job's outbox flag: set in the same write as a change whose event is not yet confirmed.
    public static let outboxField = "outbox"
    /// When the oldest unconfirmed change of a flagged job was written.
    public static let outboxSinceField = "outboxSince"

    /// Each collection's indexes, with the job fields at `jobFields`.
    public static func indexes(jobFields: DocumentFields = .job) -> [(collection: String, indexes: [IndexModel])] {
        var jobIndexes = [IndexModel(name: "name_unique", keys: [SortKey(jobFields.name)], unique: true)]
        if let accelerator = jobFields.accelerator, let status = jobFields.status {
            jobIndexes.append(
                IndexModel(name: "accelerator_status", keys: [SortKey(accelerator), SortKey(status)]))
        }
        // The training service's republisher looks for flagged jobs, oldest first, every few seconds.
        jobIndexes.append(IndexModel(name: "outbox_since", keys: [SortKey(outboxField), SortKey(outboxSinceField)]))
        return [
            (jobs, jobIndexes),
            (jobInfo, [IndexModel(name: "name_unique", keys: [SortKey("name")], unique: true)]),
            (nodes, [IndexModel(name: "name_unique", keys: [SortKey("name")], unique: true)]),
            (events, [IndexModel(name: "job_time", keys: [SortKey("job"), SortKey("time"), SortKey("_id")])]),
            (submissions, [IndexModel(name: "key_unique", keys: [SortKey("key")], unique: true)]),
        ]
    }
}

/// Placeholder document type for schema calls that need no decoding.
struct SchemaDocument: Codable, Sendable {}

extension MongoStore {
    /// Creates the spec's collections and indexes; running it again changes nothing.
    public func ensureSchema(jobFields: DocumentFields = .job) async throws {
        for (name, indexes) in StoreSchema.indexes(jobFields: jobFields) {
            try await collection(name, of: SchemaDocument.self).createIndexes(indexes)
        }
    }

    /// Drops this store's database (tests and tools).
    public func dropDatabase() async throws {
        let database = databaseName
        try await perform("drop database \(database)", idempotent: true) { client in
            let handle = mongoc_client_get_database(client, database)!
            defer { mongoc_database_destroy(handle) }
            var error = bson_error_t()
            if !mongoc_database_drop_with_opts(handle, nil, &error) { throw MongoCallError(error) }
        }
    }
}
