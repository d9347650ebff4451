import Foundation
import TideAllocation
import TideCore
import TideJobs

/// Builds the allocation snapshot of one round from what the scheduler holds. Pure.
public enum SnapshotBuilder {
    /// What goes into one round besides the jobs.
    public struct Round: Sendable {
        public var policy: String
        /// Seconds since 1970.
        public var now: Double
        public var minResizeInterval: Double
        /// Restart cost assumed for a job not yet measured.
        public var defaultRestartSeconds: Double

        public init(policy: String, now: Double, minResizeInterval: Double, defaultRestartSeconds: Double = 30) {
            self.policy = policy
            self.now = now
            self.minResizeInterval = minResizeInterval
            self.defaultRestartSeconds = defaultRestartSeconds
        }
    }

    /// Jobs that take part in a round: not finished, and not waiting out a retry backoff.
    public static func eligible(_ job: ManagedJob, now: Double) -> Bool {
        guard !job.stored.status.state.isTerminal else { return false }
        if job.hasWorkers { return true }
        return (job.record.notBefore ?? 0) <= now
    }

    /// The snapshot of `jobs` (eligible ones only) on `nodes`.
    ///
    /// A cordoned node offers only the GPUs its running workers hold, so they
    /// keep running and nothing new lands there.
    public static func snapshot(
        jobs: [ManagedJob], nodes: [NodeRecord], estimates: [String: JobEstimate], round: Round
    ) -> AllocationSnapshot {
        let taking = jobs.filter { eligible($0, now: round.now) }.sorted { $0.name < $1.name }
        var heldOnNode: [String: Set<Int>] = [:]
        for job in taking {
            for slot in job.record.workers { heldOnNode[slot.node, default: []].formUnion(slot.gpus) }
        }
        let nodeSnapshots = nodes.sorted { $0.name < $1.name }.map { node in
            let all = Array(0..<max(node.gpus, 0))
            let available = node.schedulable ? all : all.filter { heldOnNode[node.name]?.contains($0) == true }
            return NodeSnapshot(name: node.name, gpus: max(node.gpus, 0), availableGpus: available)
        }
        let gpusByNode = Dictionary(nodes.map { ($0.name, max($0.gpus, 0)) }, uniquingKeysWith: { first, _ in first })
        let jobSnapshots = taking.map { job in
            jobSnapshot(job, estimate: estimates[job.name], round: round, gpusByNode: gpusByNode)
        }
        return AllocationSnapshot(
            policy: round.policy, now: round.now, minResizeInterval: round.minResizeInterval, nodes: nodeSnapshots,
            jobs: jobSnapshots)
    }

    static func jobSnapshot(_ job: ManagedJob, estimate: JobEstimate?, round: Round, gpusByNode: [String: Int])
        -> JobSnapshot
    {
        let spec = job.spec
        let record = job.record
        // A worker on a node that left the nodes collection (or was relabelled), or on
        // GPUs the node no longer offers, is still running there: the snapshot cannot
        // name them, so the job is presented without its placement and the round moves
        // or stops it.
        let placement = record.workers.allSatisfy { slot in
            gpusByNode[slot.node].map { count in slot.gpus.allSatisfy { $0 < count } } ?? false
        } ? WorkerSlots.placement(of: record.workers) : []
        let submit = job.stored.metadata.created.timeIntervalSince1970
        let running = record.running(at: round.now)
        // A job whose growth the cluster refused keeps its count until its backoff has passed.
        var maxWorkers = spec.workers.max
        if job.hasWorkers, let until = record.noGrowthBefore, round.now < until {
            maxWorkers = min(maxWorkers, max(record.workers.count, spec.workers.min))
        }
        return JobSnapshot(
            name: job.name, minWorkers: spec.workers.min, maxWorkers: maxWorkers,
            requestedWorkers: min(spec.requestedWorkers, maxWorkers), gpusPerWorker: spec.gpusPerWorker, priority: spec.priority,
            preemptible: spec.preemptible, queue: spec.queue,
            resize: spec.resize == .live ? .live : .restart, submitTime: submit,
            firstStartTime: record.firstStartTime, lastResizeTime: record.lastResizeTime,
            attainedGpuSeconds: record.attained(at: round.now, gpusPerWorker: spec.gpusPerWorker),
            runningSeconds: running, waitingSeconds: max(round.now - submit - running, 0),
            restartSeconds: estimate?.restartSeconds ?? round.defaultRestartSeconds, placement: placement,
            speedup: estimate?.speedup ?? [:], measuredWorkers: estimate?.measuredWorkers ?? [],
            remainingSeconds: estimate?.remainingSeconds, policyState: record.policyState)
    }
}
