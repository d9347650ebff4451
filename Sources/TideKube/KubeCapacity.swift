/// GPUs a node offers to one GPU type's scheduler. Pure.
///
/// SPEC "Cluster backends": available = allocatable `nvidia.com/gpu` minus the
/// requests of every pod on the node that has not ended. Tide's own workers
/// of this GPU type are not subtracted: the scheduler counts what its jobs
/// hold as its own to hand out again.
public enum KubeCapacity {
    public struct Offer: Sendable, Equatable {
        public var node: String
        public var gpus: Int
        /// Ready and not cordoned: new workers may start there.
        public var schedulable: Bool

        public init(node: String, gpus: Int, schedulable: Bool) {
            self.node = node
            self.gpus = gpus
            self.schedulable = schedulable
        }
    }

    /// The offers of `nodes` labelled `labelKey=accelerator`, given every pod in the cluster,
    /// and the nodes left out because their description is unusable.
    public static func offers(
        nodes: [KubeNode], pods: [KubePod], labelKey: String, accelerator: String
    ) -> (offers: [Offer], problems: [KubeNodeError]) {
        var held: [String: Int] = [:]
        for pod in pods where !pod.hasEnded {
            guard let node = pod.spec?.nodeName, !node.isEmpty else { continue }
            let ours = pod.metadata.labels?[WorkerPod.acceleratorLabel] == accelerator && pod.metadata.labels?[WorkerPod.jobLabel] != nil
            if !ours { held[node, default: 0] += pod.gpuRequest() }
        }
        var offers: [Offer] = []
        var problems: [KubeNodeError] = []
        for node in nodes.sorted(by: { $0.metadata.name < $1.metadata.name })
        where node.metadata.labels?[labelKey] == accelerator {
            do {
                let allocatable = try node.allocatableGPUs()
                let free = max(allocatable - held[node.metadata.name, default: 0], 0)
                offers.append(Offer(node: node.metadata.name, gpus: free, schedulable: node.isSchedulable))
            } catch {
                problems.append(error)
            }
        }
        return (offers, problems)
    }
}
