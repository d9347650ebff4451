import TideAllocation

/// What one round changes, job by job, worked out from the decision. Pure.
///
/// Applied in a safe order: every stop and shrink first (their GPUs are
/// free only once those workers are gone), then every start and growth.
public struct RoundPlan: Sendable, Equatable {
    /// One job's change.
    public enum Change: Sendable, Equatable {
        /// Loses all its workers (preempted, or its GPUs went away).
        case stop
        /// Live resize: these worker indices stop, the rest keep running.
        case shrink(removing: [Int])
        /// Restart: the whole set stops, then a new run starts with these workers.
        case restart([WorkerSlot])
        /// First start or start after waiting: a new run with these workers.
        case start([WorkerSlot])
        /// Live resize: these workers join the running ones.
        case grow(adding: [WorkerSlot])
    }

    /// Changes by job name, only for jobs that change.
    public var changes: [String: Change]
    /// Why each job without workers waits (the decision's words).
    public var pending: [String: String]
    /// Policy state to store per job.
    public var policyState: [String: TideAllocation.JSONValue]

    /// Jobs to stop or shrink first, then jobs to start or grow, each sorted by name.
    public var stopsFirst: [(job: String, change: Change)] {
        let sorted = changes.sorted { $0.key < $1.key }
        return sorted.filter { $0.value.releases }.map { ($0.key, $0.value) }
    }

    public var startsAfter: [(job: String, change: Change)] {
        let sorted = changes.sorted { $0.key < $1.key }
        return sorted.filter { !$0.value.releases }.map { ($0.key, $0.value) }
    }

    /// Compares each job's workers with its allocation.
    public static func plan(_ decision: AllocationDecision, jobs: [ManagedJob]) -> RoundPlan {
        var changes: [String: Change] = [:]
        for job in jobs {
            let current = job.record.workers
            guard let allocation = decision.allocations[job.name] else {
                if decision.pending[job.name] != nil && !current.isEmpty { changes[job.name] = .stop }
                continue
            }
            let size = job.spec.gpusPerWorker
            if current.isEmpty {
                changes[job.name] = .start(WorkerSlots.slots(for: allocation.placement, gpusPerWorker: size))
                continue
            }
            if WorkerSlots.same(WorkerSlots.placement(of: current), allocation.placement) { continue }
            if job.spec.resize == .live {
                if allocation.workers > current.count,
                    let grown = WorkerSlots.grown(current, into: allocation.placement, gpusPerWorker: size)
                {
                    changes[job.name] = .grow(adding: Array(grown.dropFirst(current.count)))
                    continue
                }
                if allocation.workers < current.count, let removed = shrinking(current, to: allocation.placement),
                    job.spec.mpiJob == nil || removesTheTop(removed, of: current)
                {
                    changes[job.name] = .shrink(removing: removed)
                    continue
                }
            }
            changes[job.name] = .restart(WorkerSlots.slots(for: allocation.placement, gpusPerWorker: size))
        }
        return RoundPlan(changes: changes, pending: decision.pending, policyState: decision.policyState)
    }

    /// Whether `removed` are the highest indices of `current`: the only workers the MPI operator
    /// removes when an MPIJob's replicas go down.
    private static func removesTheTop(_ removed: [Int], of current: [WorkerSlot]) -> Bool {
        let indices = current.map(\.index).sorted()
        return Set(removed) == Set(indices.suffix(removed.count))
    }

    /// The workers to remove so that the rest hold exactly `placement`, or nil if no subset does.
    private static func shrinking(_ current: [WorkerSlot], to placement: [NodeGPUs]) -> [Int]? {
        var wanted = WorkerSlots.gpusByNode(placement)
        var removed: [Int] = []
        for slot in current {
            if let onNode = wanted[slot.node], Set(slot.gpus).isSubset(of: onNode) {
                wanted[slot.node] = onNode.subtracting(slot.gpus)
            } else {
                removed.append(slot.index)
            }
        }
        return wanted.values.allSatisfy(\.isEmpty) ? removed : nil
    }
}

extension RoundPlan.Change {
    /// Whether the change frees GPUs (and so goes first).
    public var releases: Bool {
        switch self {
        case .stop, .shrink, .restart: true
        case .start, .grow: false
        }
    }
}
