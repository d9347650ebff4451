import Foundation
import TideCore
import TideJobs
import TideStore

/// The outcome of a create: the job, and whether this request stored it or found it stored.
struct CreateResult: Sendable {
    var job: StoredJob
    /// An earlier request with the same `Idempotency-Key` stored the job.
    var replayed: Bool
}

extension JobService {
    /// The longest `Idempotency-Key` accepted.
    static let longestSubmissionKey = 255

    /// Creates the job of `body` once per `key`, whatever number of times it is sent.
    ///
    /// A create whose answer was lost (or answered 503 because its write landed late) is
    /// sent again by its client; without a key, that stores a second job. With one, the
    /// first request reserves the stored name under the key before it writes the job, and
    /// every later request with the key finds the reservation: it answers with the job when
    /// stored, or stores it under the reserved name and write id, so that two requests
    /// racing store one job between them (the name's unique index refuses the second).
    func create(body: Data, contentType: String?, key: String) async throws -> CreateResult {
        try Self.checkSubmissionKey(key)
        let spec = try parse(body: body, contentType: contentType)
        let digest = String(FNV1a.hash(body), radix: 16)
        let now = Self.millisecond(clock())
        // This request's own write, beside the reservation's (which every resend shares): a
        // duplicate or a broken connection is then told apart from a racing resend's insert.
        let write = UUID().uuidString
        var taken = Set<String>()
        for _ in 0..<1000 {
            let submission: Submission
            if let found = try await submissions.findOne(["key": .string(key)]) {
                guard found.digest == digest else {
                    throw APIError(
                        .unprocessableContent,
                        "Idempotency-Key \"\(key)\" was sent before with another job document (stored as \(found.job)); use a new key for a new job",
                        field: "Idempotency-Key")
                }
                submission = found
            } else {
                let name = StoredName.make(for: spec.name, at: now) { taken.contains($0) }
                submission = Submission(key: key, job: name, write: UUID().uuidString, digest: digest, time: now)
                do {
                    try await submissions.insert(submission)
                } catch StoreError.alreadyExists {
                    continue
                }
            }
            if let stored = try await jobs.get(submission.job) {
                if stored.wasWritten(by: write) {
                    await announceCreated(stored, as: spec.name, at: submission.time)
                    return CreateResult(job: stored.job, replayed: false)
                }
                if stored.submissionKey == key || stored.wasWritten(by: submission.write) {
                    // The request that stored it may have died before announcing it.
                    await announceCreated(stored, as: spec.name, at: submission.time)
                    return CreateResult(job: stored.job, replayed: true)
                }
                // Another job took the name first: move the reservation on, unless a racing
                // request with the key already did.
                taken.insert(submission.job)
                let next = StoredName.make(for: spec.name, at: submission.time) { taken.contains($0) }
                _ = try await submissions.updateOne(
                    ["key": .string(key), "job": .string(submission.job)], ["$set": ["job": .string(next)]])
                continue
            }
            // The job's submit time is the reservation's; the change is owed from now, so the
            // republisher leaves it to this request for its grace, as any fresh change.
            var record = Self.newRecord(
                spec, storedName: submission.job, submitted: submission.time, owedSince: now, writes: [submission.write, write])
            record.submissionKey = key
            var stored = record
            stored.version = 1
            do {
                stored = try await jobs.create(record)
            } catch StoreError.alreadyExists {
                // Ours (sent again after a lost answer), a racing resend's or another job's:
                // the next pass tells which.
                continue
            } catch StoreError.unavailable(let operation, let detail) {
                // Sent again with the key, the request finds the job if the insert landed.
                guard try await landed(write, to: submission.job, waiting: true) else {
                    throw StoreError.unavailable(operation: operation, detail: detail)
                }
            }
            await announceCreated(stored, as: spec.name, at: submission.time)
            return CreateResult(job: stored.job, replayed: false)
        }
        throw APIError(.serviceUnavailable, "could not store \(spec.name) under Idempotency-Key \"\(key)\"; send it again with the same key", field: "Idempotency-Key")
    }

    /// Printable ASCII without spaces, at most `longestSubmissionKey` characters (a UUID fits).
    static func checkSubmissionKey(_ key: String) throws {
        let printable = key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        guard !key.isEmpty, key.utf8.count <= longestSubmissionKey, printable else {
            throw APIError(
                .badRequest,
                "Idempotency-Key must be 1 to \(longestSubmissionKey) printable ASCII characters without spaces, such as a UUID",
                field: "Idempotency-Key")
        }
    }
}
