import Foundation
import Logging
import TideJobs
import TideStore

/// Clears outbox flags in batches: clears queued while one batch is written go out together in the next.
///
/// A clear that fails leaves the flag set, which only means the change is
/// published once more later (consumers dedupe by message id); never lost.
actor OutboxClearer {
    private let collection: MongoCollection<JobRecord>
    private let logger: Logger
    private var pending: [(name: String, version: Int)] = []
    private var flushing: Task<Void, Never>?
    /// Most clears in one `updateMany`.
    private let batchSize = 200
    /// How long a flush waits for more clears before writing.
    private let coalescing = Duration.milliseconds(250)

    init(collection: MongoCollection<JobRecord>, logger: Logger) {
        self.collection = collection
        self.logger = logger
    }

    /// Queues the clear of `name` at `version` and returns; a flush is started if none runs.
    func clear(name: String, version: Int) {
        pending.append((name, version))
        if flushing == nil {
            flushing = Task { await self.drain() }
        }
    }

    /// Waits until every clear queued so far is written (or has failed).
    func flush() async {
        while let flushing {
            await flushing.value
        }
    }

    private func drain() async {
        // A short wait lets the clears of concurrent (and back-to-back) submissions share one write:
        // every write costs a journal sync on the database, so one per job would halve its throughput.
        try? await Task.sleep(for: coalescing)
        while !pending.isEmpty {
            let batch = Array(pending.prefix(batchSize))
            pending.removeFirst(batch.count)
            await write(batch)
        }
        flushing = nil
    }

    private func write(_ batch: [(name: String, version: Int)]) async {
        let fields = JobRecord.fields
        // The version pins the clear to the write whose changes were published.
        let matches: [BSONValue] = batch.map { [fields.name: .string($0.name), fields.version: .int($0.version)] }
        let filter: BSONValue = matches.count == 1 ? matches[0] : ["$or": .array(matches)]
        do {
            _ = try await collection.updateMany(
                filter,
                ["$set": [JobRecord.outboxField: false, "outboxEvents": []], "$unset": ["outboxSince": ""]])
        } catch {
            logger.warning(
                "could not clear outbox flags; those events will be published again",
                metadata: ["jobs": "\(batch.count)", "error": "\(error)"])
        }
    }
}
