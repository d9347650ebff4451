/// Checks a snapshot against the allocation contract before any policy sees it.
///
/// Everything that would let a policy break an invariant is refused here with
/// the field that is wrong; nothing is silently dropped.
public enum SnapshotValidator {
    /// Throws the first problem found, in document order.
    public static func validate(_ snapshot: AllocationSnapshot) throws {
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
        let gpusByNode = try validateNodes(snapshot.nodes)
        var owner: [String: String] = [:]
        var names = Set<String>()
        for (index, job) in snapshot.jobs.enumerated() {
            let path = "jobs[\(index)]"
            try check(!job.name.isEmpty, "\(path).name", "must not be empty")
            try check(names.insert(job.name).inserted, "\(path).name", "duplicate job name '\(job.name)'")
            try validateCounts(job, path: path)
            try validateTimes(job, path: path)
            try validatePlacement(job, path: path, gpusByNode: gpusByNode, owner: &owner)
            try validateSpeedup(job, path: path)
        }
    }

    private static func validateNodes(_ nodes: [NodeSnapshot]) throws -> [String: Set<Int>] {
        var available: [String: Set<Int>] = [:]
        for (index, node) in nodes.enumerated() {
            let path = "nodes[\(index)]"
            try check(!node.name.isEmpty, "\(path).name", "must not be empty")
            try check(available[node.name] == nil, "\(path).name", "duplicate node name '\(node.name)'")
            try check(node.gpus >= 0, "\(path).gpus", "must not be negative, got \(node.gpus)")
            var seen = Set<Int>()
            for (gpuIndex, gpu) in node.availableGpus.enumerated() {
                let gpuPath = "\(path).availableGpus[\(gpuIndex)]"
                try check(
                    gpu >= 0 && gpu < node.gpus, gpuPath,
                    "GPU \(gpu) is not on node '\(node.name)', which has GPUs 0..<\(node.gpus)")
                try check(seen.insert(gpu).inserted, gpuPath, "GPU \(gpu) is listed twice")
            }
            available[node.name] = seen
        }
        return available
    }

    private static func validateCounts(_ job: JobSnapshot, path: String) throws {
        try check(job.minWorkers >= 1, "\(path).minWorkers", "must be at least 1, got \(job.minWorkers)")
        try check(
            job.maxWorkers >= job.minWorkers, "\(path).maxWorkers",
            "must be at least minWorkers (\(job.minWorkers)), got \(job.maxWorkers)")
        try check(
            (job.minWorkers...job.maxWorkers).contains(job.requestedWorkers), "\(path).requestedWorkers",
            "must lie between minWorkers and maxWorkers (\(job.minWorkers)...\(job.maxWorkers)), got \(job.requestedWorkers)")
        try check(job.gpusPerWorker >= 1, "\(path).gpusPerWorker", "must be at least 1, got \(job.gpusPerWorker)")
    }

    private static func validateTimes(_ job: JobSnapshot, path: String) throws {
        let amounts: [(String, Double)] = [
            ("attainedGpuSeconds", job.attainedGpuSeconds), ("runningSeconds", job.runningSeconds),
            ("waitingSeconds", job.waitingSeconds), ("restartSeconds", job.restartSeconds),
        ]
        for (field, value) in amounts {
            try check(value.isFinite && value >= 0, "\(path).\(field)", "must be a non-negative number, got \(value)")
        }
        let instants: [(String, Double?)] = [
            ("submitTime", job.submitTime), ("firstStartTime", job.firstStartTime),
            ("lastResizeTime", job.lastResizeTime),
        ]
        for case let (field, value?) in instants {
            try check(value.isFinite, "\(path).\(field)", "must be a finite number of seconds")
        }
        if let remaining = job.remainingSeconds {
            try check(
                remaining.isFinite && remaining >= 0, "\(path).remainingSeconds",
                "must be a non-negative number, got \(remaining)")
        }
    }

    private static func validatePlacement(
        _ job: JobSnapshot, path: String, gpusByNode: [String: Set<Int>], owner: inout [String: String]
    ) throws {
        var nodesSeen = Set<String>()
        for (index, entry) in job.placement.enumerated() {
            let entryPath = "\(path).placement[\(index)]"
            guard let available = gpusByNode[entry.node] else {
                throw AllocationInputError(field: "\(entryPath).node", "unknown node '\(entry.node)'")
            }
            try check(nodesSeen.insert(entry.node).inserted, "\(entryPath).node", "node '\(entry.node)' is listed twice")
            try check(
                !entry.gpus.isEmpty && entry.gpus.count % job.gpusPerWorker == 0, "\(entryPath).gpus",
                "holds \(entry.gpus.count) GPUs, not a whole number of \(job.gpusPerWorker)-GPU workers")
            for (gpuIndex, gpu) in entry.gpus.enumerated() {
                let gpuPath = "\(entryPath).gpus[\(gpuIndex)]"
                try check(
                    available.contains(gpu), gpuPath,
                    "GPU \(gpu) of node '\(entry.node)' is not in that node's availableGpus")
                let key = "\(entry.node)/\(gpu)"
                if let other = owner[key] {
                    throw AllocationInputError(
                        field: gpuPath, "GPU \(gpu) of node '\(entry.node)' is already held by job '\(other)'")
                }
                owner[key] = job.name
            }
        }
    }

    private static func validateSpeedup(_ job: JobSnapshot, path: String) throws {
        let points = try job.speedup.map { key, value -> (Int, Double) in
            // Only the canonical spelling: "02" or "+2" beside "2" would name one
            // width twice, and which value won would depend on dictionary order.
            guard let workers = Int(key), workers >= 1, String(workers) == key else {
                throw AllocationInputError(
                    field: "\(path).speedup.\(key)", "key must be a worker count of at least 1, in plain decimal")
            }
            return (workers, value)
        }.sorted { $0.0 < $1.0 }
        for (workers, value) in points {
            let field = "\(path).speedup.\(workers)"
            try check(value.isFinite && value > 0, field, "must be a positive speedup, got \(value)")
            if workers == 1 {
                try check(abs(value - 1) < 1e-9, field, "speedup at one worker is 1 by definition, got \(value)")
            }
        }
        for (index, workers) in job.measuredWorkers.enumerated() {
            try check(
                workers >= 1, "\(path).measuredWorkers[\(index)]", "must be a worker count of at least 1, got \(workers)")
        }
    }

    private static func check(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) throws {
        if !condition { throw AllocationInputError(field: field, message()) }
    }
}
