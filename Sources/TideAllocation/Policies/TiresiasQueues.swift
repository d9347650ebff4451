/// Tiresias' two-dimensional least-attained-service queues, kept in `policyState`.
///
/// A job enters queue 0 on arrival and drops to queue 1 once it has attained
/// `tiresiasDemoteGpuSeconds` GPU-seconds in queue 0 (57,600 as in the Pollux
/// artifact). With `tiresiasPromoteKnob` K set (Voda used 8 with a 3,600 s
/// threshold), a queue-1 job that has waited K times its running time returns
/// to queue 0 and its count restarts. Within a queue, jobs are served in the
/// order they entered it. State per job: `queue`, `enteredAt`, `attainedAtEntry`.
enum TiresiasQueues {
    struct Entry {
        var queue: Int
        var enteredAt: Double
        var attainedAtEntry: Double
        /// Last round's state says exactly this entry, in its three members
        /// alone: it is handed back as it is. Most jobs keep their entry from
        /// round to round, and a shared object costs no allocation and no
        /// hashing of its three keys.
        var stateUnchanged = false

        var state: JSONValue {
            .object(["queue": .number(Double(queue)), "enteredAt": .number(enteredAt), "attainedAtEntry": .number(attainedAtEntry)])
        }

        /// Whether `fields`, read from a state of `members` members, say exactly this entry.
        func isStated(by fields: StateFields, members: Int) -> Bool {
            guard members == 3, let oldQueue = fields.queue, let oldEnteredAt = fields.enteredAt,
                let oldAttained = fields.attainedAtEntry
            else { return false }
            return oldQueue.bitPattern == Double(queue).bitPattern && oldEnteredAt.bitPattern == enteredAt.bitPattern
                && oldAttained.bitPattern == attainedAtEntry.bitPattern
        }
    }

    /// The three numbers of last round's state, read by comparing keys rather
    /// than hashing them (the keys are short, so comparing is a word or two).
    struct StateFields {
        var queue: Double?
        var enteredAt: Double?
        var attainedAtEntry: Double?

        /// Nil when a member this entry reads is not a number (the keys are
        /// then looked up as before, with the same result).
        init?(_ members: [String: JSONValue]) {
            for (key, value) in members {
                // The three keys differ in length: one comparison of the
                // text per member instead of up to three.
                switch key.utf8.count {
                case 5 where key == "queue": guard case .number(let number) = value else { return nil }; queue = number
                case 9 where key == "enteredAt": guard case .number(let number) = value else { return nil }; enteredAt = number
                case 15 where key == "attainedAtEntry": guard case .number(let number) = value else { return nil }; attainedAtEntry = number
                default: continue
                }
            }
        }
    }

    /// This round's queue entry of every job.
    static func entries(_ problem: AllocationProblem) -> [Entry] {
        let options = problem.snapshot.options
        let now = problem.snapshot.now
        return problem.snapshot.jobs.withUnsafeBufferPointer { jobs in
            jobs.indices.map { index in
                entry(jobs[index], isRunning: problem.jobs[index].isRunning, options: options, now: now)
            }
        }
    }

    private static func entry(_ snapshot: JobSnapshot, isRunning: Bool, options: PolicyOptions, now: Double) -> Entry {
        let previous = snapshot.policyState
        var entry: Entry
        var stated: (fields: StateFields, members: Int)?
        // Small objects (the state this policy wrote) are scanned; anything else is looked up.
        if case .object(let members) = previous, members.count <= 4, let fields = StateFields(members) {
            stated = (fields, members.count)
            entry = Entry(
                queue: fields.queue == 1 ? 1 : 0, enteredAt: fields.enteredAt ?? snapshot.submitTime,
                attainedAtEntry: fields.attainedAtEntry ?? 0)
        } else {
            entry = Entry(
                queue: previous["queue"]?.number == 1 ? 1 : 0,
                enteredAt: previous["enteredAt"]?.number ?? snapshot.submitTime,
                attainedAtEntry: previous["attainedAtEntry"]?.number ?? 0)
        }
        if entry.queue != 1 { entry.queue = 0 }
        entry.attainedAtEntry = min(entry.attainedAtEntry, snapshot.attainedGpuSeconds)
        let attainedInQueue = snapshot.attainedGpuSeconds - entry.attainedAtEntry
        if entry.queue == 0 && attainedInQueue >= options.tiresiasDemoteGpuSeconds {
            entry = Entry(queue: 1, enteredAt: now, attainedAtEntry: snapshot.attainedGpuSeconds)
        } else if entry.queue == 1, let knob = options.tiresiasPromoteKnob, !isRunning,
            snapshot.waitingSeconds >= knob * max(snapshot.runningSeconds, 1)
        {
            entry = Entry(queue: 0, enteredAt: now, attainedAtEntry: snapshot.attainedGpuSeconds)
        }
        // Read here, where last round's state is parsed anyway, not parsed again for `states`.
        if let stated { entry.stateUnchanged = entry.isStated(by: stated.fields, members: stated.members) }
        return entry
    }

    /// Each job's state for next round.
    static func states(_ problem: AllocationProblem, entries: [Entry]) -> [JSONValue] {
        problem.snapshot.jobs.withUnsafeBufferPointer { jobs in
            entries.indices.map { entries[$0].stateUnchanged ? jobs[$0].policyState : entries[$0].state }
        }
    }

    /// Job indices by queue, then entry time, inside priority tiers.
    static func order(_ problem: AllocationProblem, entries: [Entry]) -> [Int] {
        problem.order { QueuePosition(queue: entries[$0].queue, enteredAt: entries[$0].enteredAt) }
    }

    /// Where a job stands inside its priority tier: queue, then entry time.
    private struct QueuePosition: Comparable {
        let queue: Int
        let enteredAt: Double

        static func < (a: Self, b: Self) -> Bool {
            a.queue != b.queue ? a.queue < b.queue : a.enteredAt < b.enteredAt
        }
    }
}
