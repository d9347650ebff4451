/// A validated snapshot, digested for the policies: curves built, current
/// counts read off placements, and the contract's hold rules worked out.
public struct AllocationProblem: Sendable {
    /// One job as the policies plan it. A class, so that planners passing
    /// jobs around copy a reference, not a snapshot full of strings.
    public final class Job: Sendable {
        /// The job as the snapshot gives it. Read from the snapshot's array,
        /// which every job of a round shares: a copy per job would retain
        /// (and later release) each of its strings, tables and arrays.
        public var snapshot: JobSnapshot { snapshots[index] }
        public let curve: SpeedupCurve
        /// Workers it holds now.
        public let current: Int
        /// A non-preemptible running job keeps at least this many workers.
        public let floor: Int
        /// Resized less than `minResizeInterval` ago: keeps its count unless a
        /// higher-priority job or a gang minimum needs its GPUs.
        public let recentlyResized: Bool
        private let snapshots: [JobSnapshot]
        private let index: Int

        init(snapshots: [JobSnapshot], index: Int, curve: SpeedupCurve, current: Int, floor: Int, recentlyResized: Bool) {
            self.snapshots = snapshots
            self.index = index
            self.curve = curve
            self.current = current
            self.floor = floor
            self.recentlyResized = recentlyResized
            let snapshot = snapshots[index]
            gpusPerWorker = snapshot.gpusPerWorker
            minWorkers = snapshot.minWorkers
            maxWorkers = snapshot.maxWorkers
            priority = snapshot.priority
        }

        public let gpusPerWorker: Int
        public let minWorkers: Int
        public let maxWorkers: Int
        public let priority: Int
        public var name: String { snapshots[index].name }
        public var isRunning: Bool { current > 0 }
        /// The width a rigid policy runs the job at.
        public var rigidWidth: Int { snapshot.requestedWorkers }
    }

    public let snapshot: AllocationSnapshot
    public let jobs: [Job]
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

    /// Validates `snapshot` and digests it.
    public init(_ snapshot: AllocationSnapshot) throws {
        let digest = try SnapshotValidator.digest(snapshot)
        jobIndexByName = digest.jobIndexByName
        groupNodes = digest.groupNodes
        self.snapshot = snapshot
        capacity = snapshot.nodes.reduce(0) { $0 + $1.availableGpus.count }
        largestNode = snapshot.nodes.reduce(0) { max($0, $1.availableGpus.count) }
        var curves = SpeedupCurve.Cache()
        let snapshots = snapshot.jobs
        jobs = snapshots.indices.map { index in
            let current = snapshots[index].currentWorkers
            let clamped = min(current, snapshots[index].maxWorkers)
            let floor = snapshots[index].preemptible || current == 0 ? 0 : max(clamped, snapshots[index].minWorkers)
            let recent = current > 0 && (snapshots[index].lastResizeTime ?? snapshots[index].firstStartTime).map {
                snapshot.now - $0 < snapshot.minResizeInterval
            } == true
            return Job(
                snapshots: snapshots, index: index,
                curve: curves.curve(
                    table: snapshots[index].speedup, measuredWorkers: snapshots[index].measuredWorkers,
                    requestedWorkers: snapshots[index].requestedWorkers, maxWorkers: snapshots[index].maxWorkers),
                current: current, floor: floor, recentlyResized: recent)
        }
        workerCaps = Array(repeating: Int.max, count: snapshot.jobs.count)
    }

    /// How many workers of `gpusPerWorker` GPUs the nodes' available GPUs hold
    /// at most (a worker never spans nodes).
    public func wholeWorkers(gpusPerWorker: Int) -> Int {
        guard gpusPerWorker > 0 else { return 0 }
        return snapshot.nodes.reduce(0) { $0 + $1.availableGpus.count / gpusPerWorker }
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
            let job = jobs[index]
            return SortEntry(priority: job.priority, key: key(index), submitTime: job.snapshot.submitTime, index: index)
        }
        entries.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.key != b.key { return a.key < b.key }
            if a.submitTime != b.submitTime { return a.submitTime < b.submitTime }
            return jobs[a.index].name < jobs[b.index].name
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
