import Foundation
import TideAPI
import TideCore
import TideJobs
import TideStore

/// What a submission costs without the API: the parsed job stored with its outbox entry,
/// its Created event appended, and the created event published with a confirm.
struct RawSubmission: Sendable {
    let jobs: VersionedStore<JobRecord>
    let events: EventStore<JobHistoryEvent>
    let publisher: BrokerJobPublisher

    init(store: MongoStore, publisher: BrokerJobPublisher) {
        jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs)
        events = EventStore(store)
        self.publisher = publisher
    }

    /// The document is parsed here too, outside the timed writes' libraries but inside the sample,
    /// as the raw path would have to: only HTTP and the API's own work are left as the difference.
    func submit(_ yaml: String) async throws {
        let spec = try JobSpecParser.parse(data: Data(yaml.utf8), format: .yaml)
        let time = Date()
        let name = StoredName.make(for: spec.name, at: time) { _ in false }
        var record = JobRecord(job: StoredJob(submitting: spec, storedName: name, at: time))
        record.owe(.created, version: 1, at: time)
        let stored = try await jobs.create(record)
        try await events.append(JobHistoryEvent(
            job: name, time: time, type: "Created", message: "submitted as \(spec.name)",
            accelerator: spec.accelerator, state: "Submitted", version: 1))
        try await publisher.publish(OutboxEntry(change: .created, version: 1), job: stored.job)
    }
}
