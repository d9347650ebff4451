import TideAllocation

/// Deterministic mid-run cluster states for the allocation benchmarks.
///
/// The state looks like a busy cluster some days into a run:
/// - every node has all its GPUs in `availableGpus`;
/// - about `runningFraction` of the jobs are picked to run, in random order,
///   each at a width in `[minWorkers, requestedWorkers]` (mostly near the
///   minimum), placed first-fit on disjoint GPUs (a multi-GPU worker never
///   spans nodes) until the cluster is `targetUtilisation` full; picked jobs
///   that no longer fit are queued, like everything else;
/// - `minWorkers` 1–2, `maxWorkers` 1–16, `requestedWorkers` between,
///   `gpusPerWorker` 1 (5% use 2), priority 0 (90%), 1 (7%) or 2 (3%),
///   3% non-preemptible, 20% resize live;
/// - speedup tables measured at 1–3 widths (a running job always at its
///   current width) from a concave curve `w / (1 + c (w - 1))` with ±3% noise;
/// - `remainingSeconds` on 85% of running jobs and 40% of queued ones;
/// - `lastResizeTime` spread over the last two hours, so about 1 running job
///   in 8 was resized less than `minResizeInterval` (60 s) ago.
public struct SnapshotGenerator: Sendable {
    public var jobs: Int
    public var nodes: Int
    public var gpusPerNode: Int
    public var seed: UInt64
    public var runningFraction = 0.6
    public var targetUtilisation = 0.97
    public var now = 259_200.0
    public var minResizeInterval = 60.0

    public init(jobs: Int, nodes: Int, gpusPerNode: Int = 8, seed: UInt64 = 0x7_1DE) {
        self.jobs = jobs
        self.nodes = nodes
        self.gpusPerNode = gpusPerNode
        self.seed = seed
    }

    /// The snapshot for `policy`, with empty policy state.
    public func snapshot(policy: String) -> AllocationSnapshot {
        var rng = SplitMix64(seed: seed ^ UInt64(jobs) &* 0x1000_0001 ^ UInt64(nodes))
        let nodeList = (0..<nodes).map { NodeSnapshot(name: String(format6("node", $0)), gpus: gpusPerNode) }
        var free = Array(repeating: Array(0..<gpusPerNode), count: nodes)
        let capacity = nodes * gpusPerNode
        var used = 0
        var cursor = 0

        // Decide who is picked to run before building jobs, in shuffled order.
        var order = Array(0..<jobs)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(0...i)) }
        let pickedCount = Int((Double(jobs) * runningFraction).rounded())
        var picked = Array(repeating: false, count: jobs)
        for index in order.prefix(pickedCount) { picked[index] = true }

        var result: [JobSnapshot] = []
        result.reserveCapacity(jobs)
        // Jobs are built in index order (names sorted = submit order); placement
        // in shuffled order so running jobs are scattered over the cluster.
        var specs = (0..<jobs).map { index in Self.spec(index: index, rng: &rng, now: now, jobs: jobs) }
        for index in order where picked[index] {
            var spec = specs[index]
            let width = spec.minWorkers + (rng.chance(0.55) ? 0 : rng.int(0...(spec.requestedWorkers - spec.minWorkers)))
            let need = width * spec.gpusPerWorker
            guard Double(used + need) <= targetUtilisation * Double(capacity) else { continue }
            // First fit from a moving cursor: whole workers per node, spilling over nodes.
            var placement: [NodeGPUs] = []
            var left = width
            var scanned = 0
            var tentative = free
            while left > 0 && scanned < nodes {
                let node = (cursor + scanned) % nodes
                let fit = min(left, tentative[node].count / spec.gpusPerWorker)
                if fit > 0 {
                    let gpus = Array(tentative[node].prefix(fit * spec.gpusPerWorker))
                    tentative[node].removeFirst(gpus.count)
                    placement.append(NodeGPUs(node: nodeList[node].name, gpus: gpus))
                    left -= fit
                }
                if left > 0 { scanned += 1 }
            }
            guard left == 0 else { continue }
            free = tentative
            cursor = (cursor + scanned) % nodes
            used += need
            spec.placement = placement.sorted { $0.node < $1.node }
            specs[index] = spec
        }
        for index in 0..<jobs {
            result.append(Self.finish(specs[index], rng: &rng, now: now, minResizeInterval: minResizeInterval))
        }
        return AllocationSnapshot(
            policy: policy, now: now, minResizeInterval: minResizeInterval, nodes: nodeList, jobs: result)
    }

    /// The snapshot for `policy` with the state the policy itself handed back
    /// for the same cluster one round earlier: the steady state a scheduler sends.
    public func warmSnapshot(policy: String) throws -> AllocationSnapshot {
        var snapshot = snapshot(policy: policy)
        let decision = try Allocator.allocate(snapshot)
        for index in snapshot.jobs.indices {
            snapshot.jobs[index].policyState = decision.policyState[snapshot.jobs[index].name] ?? .emptyObject
        }
        return snapshot
    }

    // MARK: - One job

    private static func spec(index: Int, rng: inout SplitMix64, now: Double, jobs: Int) -> JobSnapshot {
        let minWorkers = rng.chance(0.7) ? 1 : 2
        let widths = [1, 1, 2, 2, 3, 4, 4, 6, 8, 8, 12, 16]
        let maxWorkers = max(minWorkers, widths[rng.int(0...(widths.count - 1))])
        let requested = rng.int(minWorkers...maxWorkers)
        let p = rng.unit()
        // Submit times rise with the index, spread over the run so far.
        let submit = (now - 120) * (Double(index) + rng.unit()) / Double(jobs)
        return JobSnapshot(
            name: format6("job", index), minWorkers: minWorkers, maxWorkers: maxWorkers,
            requestedWorkers: requested, gpusPerWorker: rng.chance(0.05) ? 2 : 1,
            priority: p < 0.90 ? 0 : (p < 0.97 ? 1 : 2), preemptible: !rng.chance(0.03),
            resize: rng.chance(0.2) ? .live : .restart, submitTime: (submit * 10).rounded() / 10,
            restartSeconds: rng.double(20, 60).rounded())
    }

    private static func finish(_ spec: JobSnapshot, rng: inout SplitMix64, now: Double, minResizeInterval: Double) -> JobSnapshot {
        var job = spec
        let contention = rng.double(0.02, 0.3)
        func curve(_ w: Int) -> Double {
            let value = Double(w) / (1 + contention * Double(w - 1))
            return w == 1 ? 1 : (value * rng.double(0.97, 1.03) * 1000).rounded() / 1000
        }
        func measure(_ widths: Set<Int>) {
            let sorted = widths.sorted()
            job.measuredWorkers = sorted
            var table: [String: Double] = ["1": 1]
            for w in sorted where w > 1 { table[String(w)] = curve(w) }
            job.speedup = table
        }
        let current = job.currentWorkers
        if current > 0 {
            // Running: started some time after submission, resized now and then.
            let start = min(job.submitTime + rng.double(0, 3_600), now - 90)
            job.firstStartTime = start.rounded()
            let sinceStart = now - job.firstStartTime!
            // About 1 in 8 resized within the last minute, the rest spread over the last two hours.
            let ago = rng.chance(0.125) ? rng.double(0, minResizeInterval) : rng.double(minResizeInterval, 7_200)
            job.lastResizeTime = (now - min(ago, sinceStart)).rounded()
            job.runningSeconds = sinceStart.rounded()
            job.waitingSeconds = (job.firstStartTime! - job.submitTime).rounded()
            job.attainedGpuSeconds = (sinceStart * Double(current * job.gpusPerWorker) * rng.double(0.6, 1)).rounded()
            var widths: Set<Int> = [current]
            for _ in 0..<rng.int(0...2) { widths.insert(rng.int(job.minWorkers...job.maxWorkers)) }
            measure(widths)
            if rng.chance(0.85) { job.remainingSeconds = rng.double(600, 200_000).rounded() }
        } else if rng.chance(0.3) {
            // Queued after running a while (preempted or shrunk away).
            let start = job.submitTime + rng.double(0, 3_600)
            job.firstStartTime = min(start, now - 60).rounded()
            job.lastResizeTime = min(start + rng.double(0, 7_200), now - 30).rounded()
            let ran = max(0, (job.lastResizeTime! - job.firstStartTime!))
            job.runningSeconds = ran.rounded()
            job.waitingSeconds = max(0, now - job.submitTime - ran).rounded()
            job.attainedGpuSeconds = (ran * Double(job.minWorkers * job.gpusPerWorker)).rounded()
            var widths: Set<Int> = []
            for _ in 0..<rng.int(1...3) { widths.insert(rng.int(job.minWorkers...job.maxWorkers)) }
            measure(widths)
            if rng.chance(0.4) { job.remainingSeconds = rng.double(600, 200_000).rounded() }
        } else {
            // Never ran: nothing measured yet.
            job.waitingSeconds = (now - job.submitTime).rounded()
            if rng.chance(0.4) { job.remainingSeconds = rng.double(600, 200_000).rounded() }
        }
        return job
    }
}

/// `prefix` and a zero-padded six-digit number: `job-000042`.
func format6(_ prefix: String, _ number: Int) -> String {
    let digits = String(number)
    return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
}

/// The benchmark workloads, by name.
public enum Workload: String, CaseIterable, Sendable {
    /// 1,000 jobs on 64 nodes × 8 GPUs.
    case small = "1k-512"
    /// 10,000 jobs on 512 nodes × 8 GPUs.
    case large = "10k-4096"

    public var generator: SnapshotGenerator {
        switch self {
        case .small: SnapshotGenerator(jobs: 1_000, nodes: 64)
        case .large: SnapshotGenerator(jobs: 10_000, nodes: 512)
        }
    }
}
