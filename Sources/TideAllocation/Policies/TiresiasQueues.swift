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

        var state: JSONValue {
            .object(["queue": .number(Double(queue)), "enteredAt": .number(enteredAt), "attainedAtEntry": .number(attainedAtEntry)])
        }
    }

    /// This round's queue entry of every job.
    static func entries(_ problem: AllocationProblem) -> [Entry] {
        let options = problem.snapshot.options
        return problem.jobs.map { job in
            let snapshot = job.snapshot
            let previous = snapshot.policyState
            var entry = Entry(
                queue: previous["queue"]?.number.map { Int($0) } ?? 0,
                enteredAt: previous["enteredAt"]?.number ?? snapshot.submitTime,
                attainedAtEntry: previous["attainedAtEntry"]?.number ?? 0)
            if entry.queue != 1 { entry.queue = 0 }
            entry.attainedAtEntry = min(entry.attainedAtEntry, snapshot.attainedGpuSeconds)
            let attainedInQueue = snapshot.attainedGpuSeconds - entry.attainedAtEntry
            if entry.queue == 0 && attainedInQueue >= options.tiresiasDemoteGpuSeconds {
                entry = Entry(queue: 1, enteredAt: problem.snapshot.now, attainedAtEntry: snapshot.attainedGpuSeconds)
            } else if entry.queue == 1, let knob = options.tiresiasPromoteKnob, !job.isRunning,
                snapshot.waitingSeconds >= knob * max(snapshot.runningSeconds, 1)
            {
                entry = Entry(queue: 0, enteredAt: problem.snapshot.now, attainedAtEntry: snapshot.attainedGpuSeconds)
            }
            return entry
        }
    }

    /// Job indices by queue, then entry time, inside priority tiers.
    static func order(_ problem: AllocationProblem, entries: [Entry]) -> [Int] {
        problem.jobs.indices.sorted { a, b in
            let x = problem.jobs[a], y = problem.jobs[b]
            if x.priority != y.priority { return x.priority > y.priority }
            if entries[a].queue != entries[b].queue { return entries[a].queue < entries[b].queue }
            if entries[a].enteredAt != entries[b].enteredAt { return entries[a].enteredAt < entries[b].enteredAt }
            return problem.tieBreak(a, b)
        }
    }
}
