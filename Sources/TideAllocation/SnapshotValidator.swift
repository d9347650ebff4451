/// Checks a snapshot against the allocation contract before any policy sees it.
///
/// Everything that would let a policy break an invariant is refused here with
/// the field that is wrong; nothing is silently dropped.
public enum SnapshotValidator {
    /// The most workers a job may ask for or report: far beyond any cluster,
    /// and small enough that no count times GPUs overflows.
    public static let mostWorkers = 1_000_000

    /// Throws the first problem found, in document order.
    public static func validate(_ snapshot: AllocationSnapshot) throws {
        _ = try digest(snapshot)
    }

    /// What validation looks up anyway, kept so that later steps need not
    /// hash the same names again.
    struct Digest {
        /// Each job's index by name: the decision's dictionaries are mapped from it.
        var jobIndexByName: [String: Int]
        /// The node index of every placement group, job by job, group by group.
        var groupNodes: [Int]
    }

    /// Validates `snapshot` and digests the names it looked up.
    static func digest(_ snapshot: AllocationSnapshot) throws -> Digest {
        try check(snapshot.now.isFinite, "now", "must be a finite number of seconds")
        try check(
            snapshot.minResizeInterval.isFinite && snapshot.minResizeInterval >= 0,
            "minResizeInterval", "must be a non-negative number of seconds")
        try check(
            snapshot.options.tiresiasDemoteGpuSeconds > 0, "options.tiresiasDemoteGpuSeconds",
            "must be positive")
        if let knob = snapshot.options.tiresiasPromoteKnob {
            try check(knob > 0 && knob.isFinite, "options.tiresiasPromoteKnob", "must be positive")
        }
        var table = try validateNodes(snapshot.nodes)
        var names = [String: Int](minimumCapacity: snapshot.jobs.count)
        // Through a pointer to each job, valid inside this closure only: the
        // array's own iterator, and even its buffer's subscript, copy the
        // job (retaining and releasing every string, table and array in it),
        // which costs more than these checks.
        try snapshot.jobs.withUnsafeBufferPointer { jobs in
            guard let first = jobs.baseAddress else { return }
            for index in jobs.indices {
                try validateJob(first + index, index: index, names: &names, table: &table, jobs: snapshot.jobs)
            }
        }
        return Digest(jobIndexByName: names, groupNodes: table.groupNodes)
    }

    private static func validateJob(
        _ job: UnsafePointer<JobSnapshot>, index: Int, names: inout [String: Int], table: inout GPUTable, jobs: [JobSnapshot]
    ) throws {
        let path = JobPath(index: index)
        try check(!job.pointee.name.isEmpty, "\(path).name", "must not be empty")
        try check(names.updateValue(index, forKey: job.pointee.name) == nil, "\(path).name", "duplicate job name '\(job.pointee.name)'")
        try validateCounts(job, path: path)
        try validateTimes(job, path: path)
        try validatePlacement(job, index: index, path: path, table: &table, jobs: jobs)
        try validateSpeedup(job, path: path)
    }

    /// A slot per GPU index of every node, in one flat array (no allocation
    /// or hashing per node or GPU): `unavailable`, `free`, or the holder's
    /// job index.
    private struct GPUTable {
        static let unavailable: Int32 = -2
        static let free: Int32 = -1
        var nodeIndex: [String: Int] = [:]
        var offsets: [Int] = []
        var sizes: [Int] = []
        var slots: [Int32] = []
        /// Per node, the last job whose placement named it: a node listed
        /// twice by one job is caught without a set per job.
        var lastListedBy: [Int] = []
        /// Every placement group's node, in document order.
        var groupNodes: [Int] = []

        func slot(node: Int, gpu: Int) -> Int32 {
            gpu >= 0 && gpu < sizes[node] ? slots[offsets[node] + gpu] : Self.unavailable
        }
    }

    private static func validateNodes(_ nodes: [NodeSnapshot]) throws -> GPUTable {
        var table = GPUTable()
        table.nodeIndex.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            func path() -> String { "nodes[\(index)]" }
            try check(!node.name.isEmpty, "\(path()).name", "must not be empty")
            try check(table.nodeIndex[node.name] == nil, "\(path()).name", "duplicate node name '\(node.name)'")
            try check(node.gpus >= 0, "\(path()).gpus", "must not be negative, got \(node.gpus)")
            let offset = table.slots.count
            var size = 0
            for (gpuIndex, gpu) in node.availableGpus.enumerated() {
                func gpuPath() -> String { "\(path()).availableGpus[\(gpuIndex)]" }
                try check(
                    gpu >= 0 && gpu < node.gpus, gpuPath(),
                    "GPU \(gpu) is not on node '\(node.name)', which has GPUs 0..<\(node.gpus)")
                if gpu >= size {
                    table.slots.append(contentsOf: repeatElement(GPUTable.unavailable, count: gpu + 1 - size))
                    size = gpu + 1
                }
                try check(table.slots[offset + gpu] == GPUTable.unavailable, gpuPath(), "GPU \(gpu) is listed twice")
                table.slots[offset + gpu] = GPUTable.free
            }
            table.nodeIndex[node.name] = index
            table.offsets.append(offset)
            table.sizes.append(size)
            table.lastListedBy.append(-1)
        }
        return table
    }

    private static func validateCounts(_ job: UnsafePointer<JobSnapshot>, path: JobPath) throws {
        try check(job.pointee.minWorkers >= 1, "\(path).minWorkers", "must be at least 1, got \(job.pointee.minWorkers)")
        try check(
            job.pointee.maxWorkers >= job.pointee.minWorkers, "\(path).maxWorkers",
            "must be at least minWorkers (\(job.pointee.minWorkers)), got \(job.pointee.maxWorkers)")
        try check(
            (job.pointee.minWorkers...job.pointee.maxWorkers).contains(job.pointee.requestedWorkers), "\(path).requestedWorkers",
            "must lie between minWorkers and maxWorkers (\(job.pointee.minWorkers)...\(job.pointee.maxWorkers)), got \(job.pointee.requestedWorkers)")
        try check(
            job.pointee.maxWorkers <= mostWorkers, "\(path).maxWorkers", "must be at most \(mostWorkers), got \(job.pointee.maxWorkers)")
        try check(job.pointee.gpusPerWorker >= 1, "\(path).gpusPerWorker", "must be at least 1, got \(job.pointee.gpusPerWorker)")
        try check(
            job.pointee.gpusPerWorker <= NodeSnapshot.mostGPUs, "\(path).gpusPerWorker",
            "must be at most \(NodeSnapshot.mostGPUs) (a worker is on one node), got \(job.pointee.gpusPerWorker)")
    }

    private static func validateTimes(_ job: UnsafePointer<JobSnapshot>, path: JobPath) throws {
        // One test of the usual case first: the checks below each call out
        // (closures, optional unwrapping), which costs more than all of them.
        if job.pointee.attainedGpuSeconds >= 0 && job.pointee.attainedGpuSeconds.isFinite && job.pointee.runningSeconds >= 0
            && job.pointee.runningSeconds.isFinite && job.pointee.waitingSeconds >= 0 && job.pointee.waitingSeconds.isFinite
            && job.pointee.restartSeconds >= 0 && job.pointee.restartSeconds.isFinite && job.pointee.submitTime.isFinite
            && (job.pointee.firstStartTime?.isFinite ?? true) && (job.pointee.lastResizeTime?.isFinite ?? true)
            && (job.pointee.remainingSeconds.map { $0 >= 0 && $0.isFinite } ?? true)
        {
            return
        }
        func amount(_ value: Double, _ field: String) throws {
            try check(value.isFinite && value >= 0, "\(path).\(field)", "must be a non-negative number, got \(value)")
        }
        func instant(_ value: Double?, _ field: String) throws {
            if let value { try check(value.isFinite, "\(path).\(field)", "must be a finite number of seconds") }
        }
        try amount(job.pointee.attainedGpuSeconds, "attainedGpuSeconds")
        try amount(job.pointee.runningSeconds, "runningSeconds")
        try amount(job.pointee.waitingSeconds, "waitingSeconds")
        try amount(job.pointee.restartSeconds, "restartSeconds")
        try instant(job.pointee.submitTime, "submitTime")
        try instant(job.pointee.firstStartTime, "firstStartTime")
        try instant(job.pointee.lastResizeTime, "lastResizeTime")
        if let remaining = job.pointee.remainingSeconds { try amount(remaining, "remainingSeconds") }
    }

    private static func validatePlacement(
        _ job: UnsafePointer<JobSnapshot>, index jobIndex: Int, path: JobPath, table: inout GPUTable, jobs: [JobSnapshot]
    ) throws {
        for (index, entry) in job.pointee.placement.enumerated() {
            func entryPath() -> String { "\(path).placement[\(index)]" }
            guard let node = table.nodeIndex[entry.node] else {
                throw AllocationInputError(field: "\(entryPath()).node", "unknown node '\(entry.node)'")
            }
            try check(table.lastListedBy[node] != jobIndex, "\(entryPath()).node", "node '\(entry.node)' is listed twice")
            table.lastListedBy[node] = jobIndex
            table.groupNodes.append(node)
            try check(
                !entry.gpus.isEmpty && entry.gpus.count % job.pointee.gpusPerWorker == 0, "\(entryPath()).gpus",
                "holds \(entry.gpus.count) GPUs, not a whole number of \(job.pointee.gpusPerWorker)-GPU workers")
            for (gpuIndex, gpu) in entry.gpus.enumerated() {
                func gpuPath() -> String { "\(entryPath()).gpus[\(gpuIndex)]" }
                let holder = table.slot(node: node, gpu: gpu)
                if holder == GPUTable.unavailable {
                    throw AllocationInputError(
                        field: gpuPath(), "GPU \(gpu) of node '\(entry.node)' is not in that node's availableGpus")
                }
                if holder != GPUTable.free {
                    throw AllocationInputError(
                        field: gpuPath(),
                        "GPU \(gpu) of node '\(entry.node)' is already held by job '\(jobs[Int(holder)].name)'")
                }
                table.slots[table.offsets[node] + gpu] = Int32(jobIndex)
            }
        }
    }

    private static func validateSpeedup(_ job: UnsafePointer<JobSnapshot>, path: JobPath) throws {
        // Checked in dictionary order, which is cheap; only a table with a
        // problem is sorted, so the error names its first bad width.
        for (key, value) in job.pointee.speedup {
            guard let workers = WorkerCountKey.parse(key), workers <= mostWorkers, value.isFinite, value > 0,
                workers != 1 || abs(value - 1) < 1e-9
            else { return try reportFirstBadSpeedup(job.pointee, path: path) }
        }
        for (index, workers) in job.pointee.measuredWorkers.enumerated() {
            try check(
                workers >= 1 && workers <= mostWorkers, "\(path).measuredWorkers[\(index)]",
                "must be a worker count from 1 to \(mostWorkers), got \(workers)")
        }
    }

    private static func reportFirstBadSpeedup(_ job: borrowing JobSnapshot, path: JobPath) throws {
        // Malformed keys first by spelling, then the widths in order.
        let ordered = job.speedup.sorted { a, b in
            switch (WorkerCountKey.parse(a.key), WorkerCountKey.parse(b.key)) {
            case let (x?, y?): x < y
            case (.some, nil): false
            case (nil, .some): true
            case (nil, nil): a.key < b.key
            }
        }
        for (key, value) in ordered {
            guard let workers = WorkerCountKey.parse(key), workers <= mostWorkers else {
                throw AllocationInputError(
                    field: "\(path).speedup.\(key)", "key must be a worker count from 1 to \(mostWorkers), in plain decimal")
            }
            let field = "\(path).speedup.\(workers)"
            try check(value.isFinite && value > 0, field, "must be a positive speedup, got \(value)")
            if workers == 1 {
                try check(abs(value - 1) < 1e-9, field, "speedup at one worker is 1 by definition, got \(value)")
            }
        }
    }

    // Both texts are built only on failure: a valid snapshot of 10,000 jobs builds none.
    private static func check(
        _ condition: Bool, _ field: @autoclosure () -> String, _ message: @autoclosure () -> String
    ) throws {
        if !condition { throw AllocationInputError(field: field(), message()) }
    }

    /// `jobs[i]`, spelled out only when an error needs it.
    private struct JobPath: CustomStringConvertible {
        let index: Int
        var description: String { "jobs[\(index)]" }
    }

}
