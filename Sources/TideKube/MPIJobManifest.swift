import Foundation
import TideBackend
import TideCore

/// The MPIJob Tide creates for one run of a Voda `kubeflow.org/v1` MPIJob
/// (SPEC "Jobs"): the user's document, named `<job>-r<run>`, with the run's
/// worker count as `Worker.replicas` and the launcher's `NP`, Tide's labels
/// on both pod templates (so the operator's pods carry them), `schedulerName:
/// tide` on the workers (Tide binds them to the placement's nodes), their GPU
/// limit, and the worker contract's environment. The accelerator's
/// `nodeSelector` is dropped: Tide places the workers itself, and a node
/// labelled only with Tide's key would refuse them. Pure.
public struct MPIJobManifest: Sendable {
    /// `tide/role` on the operator's pods: `launcher` or `worker`.
    public static let roleLabel = "tide/role"

    public var document: JSONValue
    public var job: String
    public var run: Int
    public var workerCount: Int
    public var accelerator: String
    public var gpusPerWorker: Int
    public var namespace: String
    /// The worker contract's variables (`TIDE_JOB`, `TIDE_API`...), `TIDE_WORKER_INDEX` left out.
    public var environment: [String: String]
    /// The node label naming GPU types, whose taint the workers tolerate (see `WorkerPod`).
    public var acceleratorKey = WorkerPod.acceleratorLabel

    public init(launch: WorkerLaunch, namespace: String) throws(BackendError) {
        guard let container = launch.container, let document = container.mpiJob else {
            throw BackendError("worker \(launch.id) is not of an MPIJob")
        }
        self.document = document
        job = launch.id.job
        run = launch.id.run
        workerCount = launch.workerCount
        accelerator = container.accelerator
        gpusPerWorker = container.gpusPerWorker
        self.namespace = namespace
        environment = launch.environment.filter { $0.key != "TIDE_WORKER_INDEX" && $0.key != "CUDA_VISIBLE_DEVICES" }
    }

    /// `<job>-r<run>`.
    public static func name(job: String, run: Int) -> String { "\(job)-r\(run)" }
    /// The operator's name for a worker's pod.
    public static func workerPod(job: String, run: Int, index: Int) -> String { "\(name(job: job, run: run))-worker-\(index)" }
    public static func launcherPod(job: String, run: Int) -> String { "\(name(job: job, run: run))-launcher" }

    /// `/apis/kubeflow.org/v1/namespaces/<namespace>/mpijobs`.
    public static func path(namespace: String) -> String { "/apis/kubeflow.org/v1/namespaces/\(namespace)/mpijobs" }

    public var labels: [String: String] {
        [WorkerPod.jobLabel: job, WorkerPod.runLabel: "\(run)", WorkerPod.acceleratorLabel: accelerator]
    }

    /// The MPIJob as JSON (keys sorted).
    public func json() throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    public var object: [String: Any] {
        var root = WorkerPod.foundation(document) as? [String: Any] ?? [:]
        root["apiVersion"] = "kubeflow.org/v1"
        root["kind"] = "MPIJob"
        root["metadata"] = ["name": Self.name(job: job, run: run), "namespace": namespace, "labels": labels]
        root.removeValue(forKey: "status")
        var spec = root["spec"] as? [String: Any] ?? [:]
        var replicas = spec["mpiReplicaSpecs"] as? [String: Any] ?? [:]
        if var launcher = replicas["Launcher"] as? [String: Any] {
            launcher["template"] = template(launcher["template"], role: "launcher")
            replicas["Launcher"] = launcher
        }
        var worker = replicas["Worker"] as? [String: Any] ?? [:]
        worker["replicas"] = workerCount
        worker["template"] = template(worker["template"], role: "worker")
        replicas["Worker"] = worker
        spec["mpiReplicaSpecs"] = replicas
        root["spec"] = spec
        return root
    }

    private func template(_ given: Any?, role: String) -> [String: Any] {
        var template = given as? [String: Any] ?? [:]
        var metadata = template["metadata"] as? [String: Any] ?? [:]
        var podLabels = metadata["labels"] as? [String: Any] ?? [:]
        for (key, value) in labels { podLabels[key] = value }
        podLabels[Self.roleLabel] = role
        metadata["labels"] = podLabels
        template["metadata"] = metadata
        var spec = template["spec"] as? [String: Any] ?? [:]
        var containers = spec["containers"] as? [[String: Any]] ?? []
        if !containers.isEmpty {
            var first = containers[0]
            var contract = environment
            if role == "launcher" { contract["NP"] = "\(workerCount)" }
            var env = (first["env"] as? [[String: Any]] ?? []).filter { entry in
                guard let name = entry["name"] as? String else { return false }
                return contract[name] == nil
            }
            env += contract.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
            first["env"] = env
            if role == "worker" {
                var resources = first["resources"] as? [String: Any] ?? [:]
                var limits = resources["limits"] as? [String: Any] ?? [:]
                limits["nvidia.com/gpu"] = "\(gpusPerWorker)"
                resources["limits"] = limits
                first["resources"] = resources
            }
            containers[0] = first
            spec["containers"] = containers
        }
        if role == "worker" {
            spec["schedulerName"] = "tide"
            if var selector = spec["nodeSelector"] as? [String: Any] {
                for key in ["vodascheduler/accelerator", WorkerPod.acceleratorLabel] { selector.removeValue(forKey: key) }
                spec["nodeSelector"] = selector.isEmpty ? nil : selector
            }
            spec["tolerations"] = (spec["tolerations"] as? [Any] ?? [])
                + WorkerPod.tolerations(accelerator: accelerator, key: acceleratorKey)
        }
        template["spec"] = spec
        return template
    }
}
