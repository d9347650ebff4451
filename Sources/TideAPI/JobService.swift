import Foundation
import Logging
import TideCore
import TideJobs
import TideStore

/// The job operations of the API, on the job store, the event log and the outbox.
///
/// Every write is a versioned write of the job's document that also puts the
/// change in the job's outbox; the event is published only after that write.
public struct JobService: Sendable {
    let jobs: VersionedStore<JobRecord>
    let events: EventStore<JobHistoryEvent>
    let outbox: Outbox
    let configuration: APIConfiguration
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Creates sent with an `Idempotency-Key` (`KeyedCreate.swift`).
    var submissions: MongoCollection<Submission> { jobs.collection.store.collection(StoreSchema.submissions, of: Submission.self) }

    /// Writes retried after a version conflict with another writer.
    private let conflictRetries = 5

    // MARK: create

    /// Parses, stores (Submitted, with its `created` change owed) and publishes a job.
    func create(body: Data, contentType: String?) async throws -> StoredJob {
        let spec = try parse(body: body, contentType: contentType)
        let time = Self.millisecond(clock())
        let write = UUID().uuidString
        var taken = Set<String>()
        // The unique index decides between replicas: a name another one just took is skipped.
        for _ in 0..<1000 {
            let name = StoredName.make(for: spec.name, at: time) { taken.contains($0) }
            let record = Self.newRecord(spec, storedName: name, submitted: time, owedSince: time, writes: [write])
            var stored = record
            stored.version = 1
            do {
                stored = try await jobs.create(record)
            } catch StoreError.alreadyExists {
                // Our own insert, when it landed while its answer was lost and was sent again.
                guard try await landed(write, to: name) else {
                    taken.insert(name)
                    continue
                }
            } catch StoreError.unavailable(let operation, let detail) {
                // The connection broke: the insert may have landed. If it did, the job is stored
                // (and its event owed); answering an error would make the user submit it again.
                guard try await landed(write, to: name, waiting: true) else {
                    throw StoreError.unavailable(operation: operation, detail: detail)
                }
            }
            await announceCreated(stored, as: spec.name, at: time)
            return stored.job
        }
        throw APIError(.conflict, "could not find a free stored name for \(spec.name); retry", field: "metadata.name")
    }

    /// The job document of a create, or the refusal naming what is wrong with it.
    func parse(body: Data, contentType: String?) throws -> JobSpec {
        let format = try Self.format(contentType: contentType, body: body)
        do {
            return try JobSpecParser.parse(
                data: body, format: format,
                options: JobSpecParser.Options(defaultAccelerator: configuration.defaultAccelerator))
        } catch {
            throw Self.refusal(error)
        }
    }

    /// A submitted job's record before its insert: its `created` change owed since
    /// `owedSince`, noted as written by `writes`.
    static func newRecord(_ spec: JobSpec, storedName: String, submitted: Date, owedSince: Date, writes: [String]) -> JobRecord {
        var record = JobRecord(job: StoredJob(submitting: spec, storedName: storedName, at: submitted))
        record.owe(.created, version: 1, at: owedSince)
        for write in writes { record.noteWrite(write) }
        return record
    }

    /// A stored job's "Created" history entry and its publish, which only need the job stored.
    /// Every resend of a keyed create calls this too (its first request may have died before
    /// it): the entry is recorded once, and a publish of a change already published is
    /// dropped by its message id downstream.
    func announceCreated(_ stored: JobRecord, as submitted: String, at time: Date) async {
        let job = stored.job
        let event = JobHistoryEvent(
            job: job.name, time: time, type: "Created", message: "submitted as \(submitted)", accelerator: job.spec.accelerator,
            state: JobState.submitted.rawValue, version: 1)
        // The event's write and the publish overlap.
        async let recorded: Void = record(event, onceKey: "\(job.name)/1/Created")
        await outbox.deliver(stored, waitingAtMost: configuration.publishTimeout)
        await recorded
    }

    /// Whether the write `id` is among the latest of record `name`: a write whose answer was
    /// lost. `waiting`: after a broken connection the server may still be carrying the write
    /// out, so a write not found at once is looked for again for about a second.
    func landed(_ id: String, to name: String, waiting: Bool = false) async throws -> Bool {
        for pause in waiting ? [0, 100, 300, 600] : [0] {
            try await Task.sleep(for: .milliseconds(pause))
            if let record = try await jobs.get(name), record.wasWritten(by: id) { return true }
        }
        return false
    }

    // MARK: read

    func get(_ name: String) async throws -> StoredJob {
        guard let record = try await jobs.get(name) else { throw APIError.notFound(job: name) }
        return record.job
    }

    func list(_ query: ListQuery) async throws -> Page<StoredJob> {
        do {
            let page = try await jobs.list(
                accelerator: query.accelerator, statuses: query.statuses.map(\.rawValue), limit: query.limit,
                continue: query.continueToken)
            return Page(items: page.items.map(\.job), continueToken: page.continueToken)
        } catch StoreError.invalidContinueToken(let detail) {
            throw APIError(
                .badRequest, "invalid continue token (\(detail)); pass the token the previous page returned, with the same filters",
                field: "continue")
        }
    }

    func events(of name: String, limit: Int) async throws -> [RecordedEvent<JobHistoryEvent>] {
        _ = try await get(name)
        return try await events.list(job: name, limit: limit)
    }

    // MARK: change

    /// Applies a merge patch of `spec.priority` / `spec.workers.max`; 409 for a finished job.
    func patch(_ name: String, body: Data) async throws -> StoredJob {
        let patch: JSONValue
        do {
            patch = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw APIError(
                .badRequest, "the patch is not valid JSON; send a merge patch such as {\"spec\": {\"priority\": 5}}",
                field: "(document)")
        }
        return try await change(name, change: .updated, eventType: "Updated") { record in
            guard !record.job.status.state.isTerminal else {
                throw APIError(
                    .conflict, "job \(name) is \(record.job.status.state.rawValue) and can no longer be changed",
                    field: "status.state")
            }
            let before = record.job.spec
            do throws(JobSpecErrors) {
                record.job.spec = try JobPatch.apply(patch, to: before)
            } catch {
                throw Self.refusal(error)
            }
            return Self.describeChange(from: before, to: record.job.spec)
        }
    }

    /// Cancels a job: status Canceled, the document kept, `deleted` published. Canceling a canceled job
    /// changes nothing; canceling a completed or failed one is a conflict.
    func cancel(_ name: String) async throws -> StoredJob {
        do {
            return try await canceling(name)
        } catch let error as APIError where error.status == .conflict {
            // Canceled already, or meanwhile by another request (another replica's): done, as
            // canceling a canceled job is. A finished job stays a conflict.
            if let record = try await jobs.get(name), record.job.status.state == .canceled { return record.job }
            throw error
        }
    }

    private func canceling(_ name: String) async throws -> StoredJob {
        try await change(name, change: .deleted, eventType: "Canceled") { record in
            let state = record.job.status.state
            guard !state.isTerminal else {
                throw APIError(.conflict, "job \(name) already finished (\(state.rawValue)); nothing to cancel",
                               field: "status.state")
            }
            let time = Self.millisecond(clock())
            record.job.status.state = .canceled
            record.job.status.message = "canceled by a user"
            record.job.status.finishedAt = time
            return "canceled (was \(state.rawValue))"
        }
    }

    /// Reads the job, applies `mutate` (which returns the event's message), writes it with `change` owed,
    /// retrying on a version conflict, then records the event and publishes.
    private func change(
        _ name: String, change: JobChange, eventType: String,
        _ mutate: @Sendable (inout JobRecord) throws -> String
    ) async throws -> StoredJob {
        for attempt in 0... {
            guard var record = try await jobs.get(name) else { throw APIError.notFound(job: name) }
            // Changes this replica published and has not cleared yet are not carried (and published again).
            if let published = await outbox.clearer.queuedVersion(of: name) {
                record.forgetPublished(upTo: published)
            }
            let time = Self.millisecond(clock())
            let message = try mutate(&record)
            record.owe(change, version: record.version + 1, at: time)
            let write = UUID().uuidString
            record.noteWrite(write)
            // What the write stores, as `replace` returns it.
            var stored = record
            stored.version = record.version + 1
            do {
                stored = try await jobs.replace(record)
            } catch StoreError.conflict {
                // A write whose answer was lost and that was sent again meets itself as a conflict:
                // it is done, and doing it again would apply the change twice.
                if try await landed(write, to: name) {
                    // Done: `stored` is what it wrote.
                } else if attempt < conflictRetries {
                    continue
                } else {
                    throw APIError(.conflict, "job \(name) is being changed by someone else; retry", field: "metadata.version")
                }
            } catch StoreError.unavailable(let operation, let detail) {
                guard try await landed(write, to: name, waiting: true) else {
                    throw StoreError.unavailable(operation: operation, detail: detail)
                }
            }
            await recordEvent(stored.job, type: eventType, message: message, at: time)
            await outbox.deliver(stored, waitingAtMost: configuration.publishTimeout)
            return stored.job
        }
        fatalError("unreachable")
    }

    /// Appends to the event log; a failure is logged, not fatal (the job and its outbox are the record).
    private func recordEvent(_ job: StoredJob, type: String, message: String, at time: Date) async {
        await record(
            JobHistoryEvent(
                job: job.name, time: time, type: type, message: message, accelerator: job.spec.accelerator,
                state: job.status.state.rawValue, version: job.version))
    }

    /// Appends `event` (once per `onceKey`, when given); a failure is logged, not fatal.
    private func record(_ event: JobHistoryEvent, onceKey: String? = nil) async {
        do {
            if let onceKey { try await events.appendOnce(event, key: onceKey) } else { try await events.append(event) }
        } catch {
            logger.warning("could not record a job event", metadata: ["job": "\(event.job)", "error": "\(error)"])
        }
    }

    // MARK: pure helpers

    /// The document format from the Content-Type, or from the first character when there is none.
    static func format(contentType: String?, body: Data) throws -> JobSpecFormat {
        guard let contentType, !contentType.isEmpty else {
            let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
            return first == UInt8(ascii: "{") ? .json : .yaml
        }
        guard let format = JobSpecFormat(contentType: contentType) else {
            throw APIError(
                .badRequest, "Content-Type \(contentType) is not a job document; use application/yaml or application/json",
                field: "Content-Type")
        }
        return format
    }

    /// 400 for a body that is not a document at all (bad syntax, empty, not UTF-8), else 422 with every field error.
    static func refusal(_ errors: JobSpecErrors) -> APIError {
        if errors.errors.allSatisfy({ $0.path == "(document)" }) {
            var error = APIError(invalidJob: errors)
            error.status = .badRequest
            return error
        }
        return APIError(invalidJob: errors)
    }

    static func describeChange(from before: JobSpec, to after: JobSpec) -> String {
        var parts: [String] = []
        if before.priority != after.priority { parts.append("priority \(before.priority) → \(after.priority)") }
        if before.workers.max != after.workers.max {
            parts.append("max workers \(before.workers.max) → \(after.workers.max)")
        }
        return parts.isEmpty ? "no change" : parts.joined(separator: ", ")
    }

    /// BSON keeps milliseconds: stamping with them makes the served and stored times agree.
    static func millisecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
