import Synchronization
import TideJobs

/// The changes this replica stored and has not published yet: by job, the newest version owed.
///
/// Names and versions only, not the records: a record can be as large as a request body, and
/// a long broker outage would otherwise hold thousands of them. The republisher reads the job
/// again when it retries. A lock, not an actor, for the same reason as `InFlight`: it is asked
/// on every request. Bounded: past `capacity` the oldest are forgotten, which only leaves them
/// to the republisher's search for flagged jobs, as if another replica had written them.
final class OwedChanges: Sendable {
    /// A job owed, with the newest version of it owed.
    struct Owed: Sendable, Hashable {
        var name: String
        var version: Int
    }

    private struct State {
        /// Each owed job's newest owed version, with the order in which the job was first owed.
        var versions: [String: (version: Int, sequence: Int)] = [:]
        var nextSequence = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Remembers that `record`'s changes are owed, unless a newer write of the job is owed already.
    func owe(_ record: JobRecord) {
        guard let newest = record.newestOwedVersion else { return }
        state.withLock { state in
            if let known = state.versions[record.name] {
                if known.version < newest { state.versions[record.name] = (newest, known.sequence) }
                return
            }
            state.versions[record.name] = (newest, state.nextSequence)
            state.nextSequence += 1
            // Rare (a long broker outage under load), so a scan is cheap enough.
            if state.versions.count > capacity,
                let oldest = state.versions.min(by: { $0.value.sequence < $1.value.sequence })?.key
            {
                state.versions[oldest] = nil
            }
        }
    }

    /// Forgets the job's owed write if it is at `version` or older: it was published.
    func settle(_ name: String, upTo version: Int) {
        state.withLock { state in
            guard let known = state.versions[name], known.version <= version else { return }
            state.versions[name] = nil
        }
    }

    /// The owed jobs, oldest first, leaving out jobs whose delivery is under way.
    func owed(excluding inFlight: InFlight) -> [Owed] {
        state.withLock { $0.versions.sorted { $0.value.sequence < $1.value.sequence } }
            .map { Owed(name: $0.key, version: $0.value.version) }
            .filter { !inFlight.contains($0.name) }
    }

    /// How many jobs are owed.
    var count: Int { state.withLock { $0.versions.count } }
}
