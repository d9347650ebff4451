import Foundation
import Logging
import Synchronization
import TideCore
import TideJobs
import TideStore

/// Publishes a stored job's unpublished changes and then clears its outbox flag.
///
/// The flag is cleared only for the version that was published (a later write
/// brings its own entries and clears them itself), and clears are deferred and
/// batched by `OutboxClearer`, out of the way of the writes requests wait for.
///
/// A change this replica stored and could not publish yet stays in `owed`,
/// and the republisher's next round tries it again without searching the
/// database. The flag is for everything else: a replica that died, a write
/// whose answer was lost. Any replica publishes a change flagged for longer
/// than the grace.
public struct Outbox: Sendable {
    let jobs: VersionedStore<JobRecord>
    let publisher: any JobEventPublishing
    let clearer: OutboxClearer
    let inFlight = InFlight()
    let owed = OwedChanges()
    let logger: Logger

    init(
        jobs: VersionedStore<JobRecord>, publisher: any JobEventPublishing,
        pacing: OutboxClearer.Pacing = OutboxClearer.Pacing(), logger: Logger
    ) {
        self.jobs = jobs
        self.publisher = publisher
        self.logger = logger
        clearer = OutboxClearer(collection: jobs.collection, pacing: pacing, logger: logger)
    }

    /// Publishes every pending change of `record` in order, each after the broker's confirm,
    /// then queues the flag's clearing. Throws at the first publish that fails (the flag stays).
    func deliver(_ record: JobRecord) async throws {
        guard let newest = record.newestOwedVersion else { return }
        for entry in record.outbox {
            try await publisher.publish(entry, job: record.job)
        }
        owed.settle(record.name, upTo: newest)
        await clearer.clear(name: record.name, version: newest)
    }

    /// Delivers `record`, waiting at most `timeout`: a request answers even while the broker is down.
    /// Delivery goes on past the timeout (a publish waits for the broker to come back); if it fails,
    /// the republisher tries again later. Returns whether it was delivered in time; false at once
    /// if a delivery of the same job is still under way.
    @discardableResult
    func deliver(_ record: JobRecord, waitingAtMost timeout: Duration) async -> Bool {
        owed.owe(record)
        guard inFlight.begin(record.name) else { return false }
        let (logger, outbox) = (self.logger, self)
        // The delivery is not cancelled at the time-out: it waits for a confirm, and keeps running
        // on its own (until the broker is back) after the request has answered.
        let delivered = try? await result(within: timeout, cancellingLate: false) {
            defer { outbox.inFlight.end(record.name) }
            do {
                try await outbox.deliver(record)
                return true
            } catch {
                logger.notice(
                    "job event not published yet; the outbox will retry",
                    metadata: ["job": "\(record.name)", "error": "\(error)"])
                return false
            }
        }
        return delivered == true
    }

    /// One republisher round: first the changes this replica stored and has not published yet,
    /// then jobs flagged for longer than `grace` by anyone, oldest first (at most `limit`), each
    /// waiting at most `timeout`. Returns how many were delivered; stops at the first that was not
    /// (the broker is likely down; that delivery goes on, and rounds start no other until it ends).
    func republish(now: Date, grace: Duration, timeout: Duration, limit: Int = 100) async throws -> Int {
        // While the last retry hangs (the broker is down), start no other: they would pile up, one a round.
        if inFlight.lastRetryIsUnderWay { return 0 }
        var delivered = 0
        for change in owed.owed(excluding: inFlight) {
            guard let record = try await jobs.get(change.name), let newest = record.newestOwedVersion,
                newest >= change.version
            else {
                // Gone, or published and cleared since (by whoever wrote it next).
                owed.settle(change.name, upTo: change.version)
                continue
            }
            guard await retry(record, timeout: timeout) else { return delivered }
            delivered += 1
        }
        let cutoff = now.addingTimeInterval(-grace.timeInterval)
        let pending = try await jobs.collection.find(
            [JobRecord.outboxField: true, StoreSchema.outboxSinceField: ["$lte": .date(cutoff)]],
            sort: [SortKey(StoreSchema.outboxSinceField)], limit: limit)
        for record in pending {
            guard let newest = record.newestOwedVersion else { continue }
            // Published by this replica already, its clear still waiting for a quiet moment.
            if await clearer.isQueued(name: record.name, version: newest) { continue }
            guard await retry(record, timeout: timeout) else { break }
            delivered += 1
            if record.isFlaggedWithoutOutboxVersion { await clearByVersion(record) }
        }
        // Cleared at once: these changes are old, past the grace or close to it, and other
        // replicas would publish them again.
        if delivered > 0 { await clearer.flush() }
        return delivered
    }

    private func retry(_ record: JobRecord, timeout: Duration) async -> Bool {
        inFlight.retrying(record.name)
        return await deliver(record, waitingAtMost: timeout)
    }

    /// Clears a flag written before `outboxVersion` existed as such flags were cleared then:
    /// pinned to the job's version, so a later write keeps its own.
    private func clearByVersion(_ record: JobRecord) async {
        let fields = JobRecord.fields
        do {
            _ = try await jobs.collection.updateMany(
                [fields.name: .string(record.name), fields.version: .int(record.version),
                 JobRecord.outboxVersionField: ["$exists": false]],
                OutboxClearer.clearing)
        } catch {
            logger.warning(
                "could not clear an outbox flag; its events will be published again",
                metadata: ["job": "\(record.name)", "error": "\(error)"])
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// The jobs whose delivery is under way, so that a job is never being published twice at once.
/// A lock, not an actor: it is asked twice per request, and an actor hop waits for a thread.
final class InFlight: Sendable {
    private let names = Mutex<Set<String>>([])
    /// The job the republisher last started delivering.
    private let lastRetried = Mutex<String?>(nil)

    /// False if `name` is already being delivered.
    func begin(_ name: String) -> Bool { names.withLock { $0.insert(name).inserted } }

    func end(_ name: String) { _ = names.withLock { $0.remove(name) } }

    func contains(_ name: String) -> Bool { names.withLock { $0.contains(name) } }

    /// Notes that the republisher is about to deliver `name`.
    func retrying(_ name: String) { lastRetried.withLock { $0 = name } }

    /// Whether the delivery the republisher started last is still under way.
    var lastRetryIsUnderWay: Bool { lastRetried.withLock { $0 }.map(contains) ?? false }
}
