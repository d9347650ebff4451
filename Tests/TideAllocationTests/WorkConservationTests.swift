import PropertyBased
import Testing
import TideAllocation

/// A job alone on the cluster runs whenever it fits: no policy keeps GPUs idle
/// from a job that could use them with nobody else waiting.
@Suite(.shrinking) struct WorkConservationTests {

    /// Whole workers of `size` GPUs the nodes' available GPUs hold.
    static func wholeWorkers(_ nodes: [NodeSnapshot], size: Int) -> Int {
        nodes.reduce(0) { $0 + $1.availableGpus.count / size }
    }

    @Test(arguments: Allocator.policyNames)
    func aLoneJobThatFitsGetsWorkers(policy: String) async {
        await propertyCheck(count: 500, input: SnapshotGenerator.snapshots(policy: policy)) { generated in
            guard var job = generated.jobs.first else { return }
            job.placement = []
            job.firstStartTime = nil
            job.lastResizeTime = nil
            var snapshot = generated
            snapshot.jobs = [job]
            let fits = Self.wholeWorkers(snapshot.nodes, size: job.gpusPerWorker)
            // Rigid policies run a job at its requested width; elastic ones anywhere from its minimum.
            let needed = rigidPolicies.contains(policy) ? job.requestedWorkers : job.minWorkers
            guard fits >= needed else { return }
            let workers = (try? Allocator.allocate(snapshot))?.allocations[job.name]?.workers ?? 0
            #expect(workers >= needed, "a lone job that fits got \(workers) workers\nsnapshot: \(json(snapshot))")
        }
    }

    /// The case `cmd up --gpus 2` met: `requestedWorkers` 4 on 2 GPUs left an elastic job waiting forever.
    @Test(arguments: Allocator.policyNames.filter { !rigidPolicies.contains($0) })
    func anElasticJobWiderThanTheClusterStartsAtWhatFits(policy: String) throws {
        let snapshot = AllocationSnapshot(
            policy: policy, now: 100, minResizeInterval: 60,
            nodes: [NodeSnapshot(name: "local-0", gpus: 2, availableGpus: [0, 1])],
            jobs: [
                JobSnapshot(name: "resnet", minWorkers: 1, maxWorkers: 4, requestedWorkers: 4, submitTime: 10, waitingSeconds: 90)
            ])
        #expect(try Allocator.allocate(snapshot).allocations["resnet"]?.workers == 2)
    }
}
