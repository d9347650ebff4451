/// A validated snapshot, digested for the policies: curves built, current
/// counts read off placements, and the contract's hold rules worked out.
public struct AllocationProblem: Sendable {
    /// One job as the policies plan it: the numbers planning reads, in a
    /// plain value (no references: copying one costs no retain). The
    /// round's jobs sit in one array, with no object allocated per job; its
    /// curve is `curves[index]`, the rest of it `snapshot.jobs[index]`.
    public struct Job: Sendable {
        /// Workers it holds now.
        public let current: Int
        /// A non-preemptible running job keeps at least this many workers.
        public let floor: Int
        /// Resized less than `minResizeInterval` ago: keeps its count unless a
        /// higher-priority job or a gang minimum needs its GPUs.
        public let recentlyResized: Bool
        public let gpusPerWorker: Int
        public let minWorkers: Int
        public let maxWorkers: Int
        public let priority: Int
        /// The width a rigid policy runs the job at.
        public let rigidWidth: Int
        public var isRunning: Bool { current > 0 }
        /// Running on fewer workers than its minimum: the snapshot's state, never a round's doing.
        public var isBelowMinimum: Bool { current > 0 && current < minWorkers }
    }

    public let snapshot: AllocationSnapshot
    public let jobs: [Job]
    /// Each job's speedup curve, indexed like `jobs`; all share one buffer.
    public let curves: [SpeedupCurve]
    /// GPUs this round may hand out, over all nodes.
    public let capacity: Int
    /// The most GPUs available on one node: a worker never spans nodes.
    public let largestNode: Int
    /// The most workers each job can be given this round: unbounded at first,
    /// lowered by `Allocator` when placement could not fit a job's planned
    /// workers (free GPUs too fragmented for whole workers), so the re-plan
    /// neither admits it nor shrinks or stops anyone for GPUs it cannot use.
    public internal(set) var workerCaps: [Int]
    /// Each job's index by name, from validation: the decision's
    /// dictionaries map it instead of hashing every name again.
    let jobIndexByName: [String: Int]
    /// The node index of each job's placement groups, all jobs' groups in a
    /// row (job by job, in snapshot order): the placer needs no name lookups.
    let groupNodes: [Int]
    /// `wholeWorkers(gpusPerWorker:)` by worker size, up to `largestNode`, for
    /// the sizes the jobs have (-1 for the others): every policy asks it per
    /// job, and a job's answer sums over every node.
    private let wholeWorkersBySize: [Int]

    /// Validates `snapshot` and digests it.
    public init(_ snapshot: AllocationSnapshot) throws {
        let digest = try SnapshotValidator.digest(snapshot)
        jobIndexByName = digest.jobIndexByName
        groupNodes = digest.groupNodes
        self.snapshot = snapshot
        capacity = snapshot.nodes.reduce(0) { $0 + $1.availableGpus.count }
        largestNode = snapshot.nodes.reduce(0) { max($0, $1.availableGpus.count) }
        let snapshots = snapshot.jobs
        // All curves first, into one buffer; then the jobs, which share it.
        // A curve stops at the most workers the GPUs could ever hold (a
        // maximum of millions would cost gigabytes); past it, it reads flat.
        var store = SpeedupCurve.Store(reservingFor: snapshots.count)
        let capacity = capacity
        let spans = snapshots.withUnsafeBufferPointer { jobs in
            jobs.indices.map { index in
                // Fields read in place: a copy of the job retains every string and table in it.
                // (A running job's placement is on available GPUs, so it holds no more than this.)
                let reachable = max(capacity / jobs[index].gpusPerWorker, 1)
                return store.add(
                    table: jobs[index].speedup, measuredWorkers: jobs[index].measuredWorkers,
                    requestedWorkers: jobs[index].requestedWorkers, maxWorkers: min(jobs[index].maxWorkers, reachable))
            }
        }
        let now = snapshot.now, minResizeInterval = snapshot.minResizeInterval
        curves = spans.map { store.curve($0) }
        jobs = snapshots.withUnsafeBufferPointer { jobs in
            jobs.indices.map { index in
                let job = jobs.baseAddress! + index
                let current = job.pointee.currentWorkers
                let clamped = min(current, job.pointee.maxWorkers)
                let floor = job.pointee.preemptible || current == 0 ? 0 : max(clamped, job.pointee.minWorkers)
                let recent = current > 0 && (job.pointee.lastResizeTime ?? job.pointee.firstStartTime).map {
                    now - $0 < minResizeInterval
                } == true
                return Job(
                    current: current, floor: floor, recentlyResized: recent,
                    gpusPerWorker: job.pointee.gpusPerWorker, minWorkers: job.pointee.minWorkers,
                    maxWorkers: job.pointee.maxWorkers, priority: job.pointee.priority,
                    rigidWidth: job.pointee.requestedWorkers)
            }
        }
        workerCaps = Array(repeating: Int.max, count: snapshot.jobs.count)
        var bySize = Array(repeating: -1, count: largestNode + 1)
        for job in jobs where job.gpusPerWorker > 0 && job.gpusPerWorker <= largestNode && bySize[job.gpusPerWorker] < 0 {
            bySize[job.gpusPerWorker] = Self.wholeWorkers(of: job.gpusPerWorker, on: snapshot.nodes)
        }
        wholeWorkersBySize = bySize
    }

    /// How many workers of `gpusPerWorker` GPUs the nodes' available GPUs hold
    /// at most (a worker never spans nodes).
    public func wholeWorkers(gpusPerWorker: Int) -> Int {
        guard gpusPerWorker > 0 else { return 0 }
        guard gpusPerWorker <= largestNode else { return 0 }
        let known = wholeWorkersBySize[gpusPerWorker]
        return known >= 0 ? known : Self.wholeWorkers(of: gpusPerWorker, on: snapshot.nodes)
    }

    private static func wholeWorkers(of size: Int, on nodes: [NodeSnapshot]) -> Int {
        nodes.reduce(0) { $0 + $1.availableGpus.count / size }
    }

    /// Job indices sorted by the contract's tie-break: priority (higher
    /// first), then submit time, then name.
    public func contractOrder() -> [Int] {
        order { _ in 0 }
    }

    /// Sorts by `key` (smaller first) inside strict priority tiers, breaking
    /// ties by the contract's order.
    public func order<Key: Comparable>(by key: (Int) -> Key) -> [Int] {
        // Sort plain values, not indices into classes: a comparison then
        // neither retains a job nor calls a closure.
        var entries = jobs.indices.map { index in
            SortEntry(priority: jobs[index].priority, key: key(index), submitTime: snapshot.jobs[index].submitTime, index: index)
        }
        entries.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.key != b.key { return a.key < b.key }
            if a.submitTime != b.submitTime { return a.submitTime < b.submitTime }
            return snapshot.jobs[a.index].name < snapshot.jobs[b.index].name
        }
        return entries.map(\.index)
    }

    private struct SortEntry<Key> {
        let priority: Int
        let key: Key
        let submitTime: Double
        let index: Int
    }

    /// The contract's tie-break: priority, then submit time, then name.
    public func tieBreak(_ a: Int, _ b: Int) -> Bool {
        let all = snapshot.jobs
        if all[a].priority != all[b].priority { return all[a].priority > all[b].priority }
        if all[a].submitTime != all[b].submitTime { return all[a].submitTime < all[b].submitTime }
        return all[a].name < all[b].name
    }
}
