import Synchronization
import TideJobs

/// The changes this replica stored and has not published yet: the records as written, by job.
///
/// A lock, not an actor, for the same reason as `InFlight`: it is asked on every request.
/// Bounded: past `capacity` the oldest are forgotten, which only leaves them to the
/// republisher's search for flagged jobs, as if another replica had written them.
final class OwedChanges: Sendable {
    private struct State {
        /// Each owed job's record, with the order in which the job was first owed.
        var records: [String: (record: JobRecord, sequence: Int)] = [:]
        var nextSequence = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Remembers `record` as owed, unless a newer write of the job is owed already.
    func owe(_ record: JobRecord) {
        guard let newest = record.newestOwedVersion else { return }
        state.withLock { state in
            if let known = state.records[record.name] {
                if (known.record.newestOwedVersion ?? .min) < newest {
                    state.records[record.name] = (record, known.sequence)
                }
                return
            }
            state.records[record.name] = (record, state.nextSequence)
            state.nextSequence += 1
            // Rare (a long broker outage under load), so a scan is cheap enough.
            if state.records.count > capacity,
                let oldest = state.records.min(by: { $0.value.sequence < $1.value.sequence })?.key
            {
                state.records[oldest] = nil
            }
        }
    }

    /// Forgets the job's owed write if it is at `version` or older: it was published.
    func settle(_ name: String, upTo version: Int) {
        state.withLock { state in
            guard let known = state.records[name], (known.record.newestOwedVersion ?? .min) <= version else { return }
            state.records[name] = nil
        }
    }

    /// The owed records, oldest first, leaving out jobs whose delivery is under way.
    func records(excluding inFlight: InFlight) -> [JobRecord] {
        state.withLock { $0.records.values.sorted { $0.sequence < $1.sequence }.map(\.record) }
            .filter { !inFlight.contains($0.name) }
    }

    /// How many jobs are owed.
    var count: Int { state.withLock { $0.records.count } }
}
