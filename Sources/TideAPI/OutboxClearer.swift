import Foundation
import Logging
import TideJobs
import TideStore

/// Clears outbox flags after their changes were published, out of the way of submissions.
///
/// A clear is the costliest write left to a submission (SecantusDB rewrites
/// the document and its index entries under the collection's writer lock:
/// about 0.7 ms a job, against 1.3 ms for the job's insert), and nothing waits
/// for it: the flag only tells the republisher what may be owed. So clears
/// wait until no clear has been queued for `Pacing.quiet` (the submit path is
/// idle), until the oldest has waited `Pacing.longestWait`, or until
/// `Pacing.mostPending` are queued, and are then written one update per
/// version, a chunk at a time, pausing between chunks while submissions go on
/// so their inserts get the lock. A burst of submissions thus pays for its
/// clears after it, and a sustained load pays for them as it goes.
///
/// A clear is pinned to the version of the newest change published
/// (`outboxVersion`), so a later change keeps its flag, and a write by
/// another service that carried the outbox over does not undo the clear.
/// A clear that fails leaves the flag set, which only means the change is
/// published once more later (consumers dedupe by message id); never lost.
actor OutboxClearer {
    /// When and how much to write.
    struct Pacing: Sendable {
        /// How long without a new clear counts as idle.
        var quiet = Duration.milliseconds(100)
        /// The longest a clear waits for idleness. Keep it below the republisher's grace, or other
        /// replicas republish what this one has published and not yet cleared.
        var longestWait = Duration.seconds(20)
        /// With this many clears queued they are written without waiting for a quiet moment, a
        /// chunk at a time, while that many are queued: a sustained load pays for its clears as it
        /// goes instead of leaving them all for later.
        var mostPending = 2_000
        /// Most documents in one write: bounds how long a write holds the collection's lock.
        var chunk = 25
        /// The pause after a chunk written while submissions go on.
        var pause = Duration.milliseconds(20)

        /// Pacing for a republisher that leaves changes younger than `grace` alone and runs every `interval`.
        init(grace: Duration, interval: Duration) {
            longestWait = max(.milliseconds(50), min(longestWait, grace - interval))
        }

        init() {}
    }

    private let collection: MongoCollection<JobRecord>
    private let logger: Logger
    private let pacing: Pacing
    private let clock = ContinuousClock()
    /// Queued clears: job name to the version whose changes were published, and when it was queued.
    private var pending: [String: (version: Int, queued: ContinuousClock.Instant)] = [:]
    private var lastQueued: ContinuousClock.Instant?
    private var flushing: Task<Void, Never>?
    /// The wait for idleness, cancelled by `flush`.
    private var waiting: Task<Void, Never>?
    private var urgent = 0

    init(collection: MongoCollection<JobRecord>, pacing: Pacing = Pacing(), logger: Logger) {
        self.collection = collection
        self.pacing = pacing
        self.logger = logger
    }

    /// Queues the clear of `name` at `version` and returns; a writer is started if none runs.
    func clear(name: String, version: Int) {
        let now = clock.now
        // A later version's clear supersedes an earlier one: its write carried the earlier entries too.
        if let queued = pending[name] {
            pending[name] = (max(version, queued.version), queued.queued)
        } else {
            pending[name] = (version, now)
        }
        lastQueued = now
        if flushing == nil {
            flushing = Task { await self.drain() }
        } else if pending.count >= pacing.mostPending {
            waiting?.cancel()
        }
    }

    /// Whether a clear of `name` at `version` or later is queued and not yet written:
    /// that change was published, so the republisher need not send it again.
    func isQueued(name: String, version: Int) -> Bool {
        (pending[name]?.version ?? Int.min) >= version
    }

    /// How many clears are queued and not yet written.
    var queuedCount: Int { pending.count }

    /// The newest version of `name` whose changes were published and whose clear is not written yet.
    func queuedVersion(of name: String) -> Int? { pending[name]?.version }

    /// Writes every clear queued so far now, without waiting for idleness, and returns when they are
    /// written (or have failed).
    func flush() async {
        urgent += 1
        defer { urgent -= 1 }
        waiting?.cancel()
        while let flushing {
            await flushing.value
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            await waitForIdleness()
            let busy = urgent == 0 && !isIdle(clock.now)
            await write(takeChunk())
            if busy && !pending.isEmpty && urgent == 0 { await sleep(pacing.pause) }
        }
        flushing = nil
    }

    private func isIdle(_ now: ContinuousClock.Instant) -> Bool {
        guard let lastQueued else { return true }
        return now >= lastQueued + pacing.quiet
    }

    private func waitForIdleness() async {
        while urgent == 0 {
            let now = clock.now
            let oldest = pending.values.lazy.map(\.queued).min() ?? now
            let deadline = oldest + pacing.longestWait
            if isIdle(now) || now >= deadline || pending.count >= pacing.mostPending { return }
            await sleep(until: min((lastQueued ?? now) + pacing.quiet, deadline))
        }
    }

    private func sleep(_ duration: Duration) async { await sleep(until: clock.now + duration) }

    /// Sleeps in a task of its own, so `flush` can cut the wait short without cancelling the writer.
    private func sleep(until instant: ContinuousClock.Instant) async {
        let task = Task { _ = try? await Task.sleep(until: instant, clock: clock) }
        waiting = task
        await task.value
        waiting = nil
    }

    /// Takes the `pacing.chunk` longest-queued clears, grouped by version.
    private func takeChunk() -> [Int: [String]] {
        let oldest = pending.sorted { ($0.value.queued, $0.key) < ($1.value.queued, $1.key) }.prefix(pacing.chunk)
        var chunk: [Int: [String]] = [:]
        for (name, clear) in oldest {
            chunk[clear.version, default: []].append(name)
            pending[name] = nil
        }
        return chunk
    }

    /// The update that clears a job's outbox: no flag, no entries, no stamps.
    static let clearing: BSONValue = [
        "$set": [JobRecord.outboxField: false, "outboxEvents": []],
        "$unset": [StoreSchema.outboxSinceField: "", JobRecord.outboxVersionField: ""],
    ]

    /// One update per version: `{name: {$in: names}, outboxVersion: v}` is an index lookup per name,
    /// where an `$or` of (name, version) pairs made SecantusDB scan the collection.
    private func write(_ chunk: [Int: [String]]) async {
        let fields = JobRecord.fields
        for (version, names) in chunk.sorted(by: { $0.key < $1.key }) {
            // Pinned to the newest change published: a later change keeps its flag.
            let filter: BSONValue = [
                fields.name: names.count == 1 ? .string(names[0]) : ["$in": .array(names.map { .string($0) })],
                JobRecord.outboxVersionField: .int(version),
            ]
            do {
                _ = try await collection.updateMany(filter, Self.clearing)
            } catch {
                logger.warning(
                    "could not clear outbox flags; those events will be published again",
                    metadata: ["jobs": "\(names.count)", "version": "\(version)", "error": "\(error)"])
            }
        }
    }
}
