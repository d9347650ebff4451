import Foundation
import TideBackend
import TideCore

/// The Pod of one worker on the Kubernetes backend (SPEC "Cluster backends"):
/// the job's container template passed through, the worker contract's
/// environment, `nvidia.com/gpu` limits, Tide's labels, the checkpoint
/// volume, a toleration for GPU taints, and `schedulerName: tide` so only
/// Tide binds it. Pure: the same input gives the same bytes.
public struct WorkerPod: Sendable {
    /// The label keys of SPEC "Fixed names".
    public static let jobLabel = "tide/job"
    public static let indexLabel = "tide/worker-index"
    public static let acceleratorLabel = "tide/accelerator"
    /// Not in the spec's list, but needed to tell two runs' pods apart.
    public static let runLabel = "tide/run"
    /// Where `TIDE_CHECKPOINT_DIR` points inside the container.
    public static let checkpointMountPath = "/tide/checkpoint"

    public var launch: WorkerLaunch
    /// The job's `template`: image, command, args, env, resources, volumeMounts, volumes, tolerations, imagePullSecrets.
    public var template: JSONValue
    public var accelerator: String
    public var gpusPerWorker: Int
    public var namespace: String
    /// The job's `checkpointVolume.claimName`, if any.
    public var checkpointClaim: String?
    public var terminationGraceSeconds: Int
    /// The node label naming GPU types: nodes tainted `<key>=<accelerator>` (kept for one
    /// type's jobs, as GPU pools often are) are tolerated.
    public var acceleratorKey = WorkerPod.acceleratorLabel

    public init(
        launch: WorkerLaunch, template: JSONValue, accelerator: String, gpusPerWorker: Int, namespace: String,
        checkpointClaim: String?, terminationGraceSeconds: Int
    ) {
        self.launch = launch
        self.template = template
        self.accelerator = accelerator
        self.gpusPerWorker = gpusPerWorker
        self.namespace = namespace
        self.checkpointClaim = checkpointClaim
        self.terminationGraceSeconds = terminationGraceSeconds
    }

    /// The pod of a launch that carries its job's container (see `WorkerLaunches.containers`).
    public init(launch: WorkerLaunch, namespace: String, terminationGraceSeconds: Int) throws(BackendError) {
        guard let container = launch.container else {
            throw BackendError("worker \(launch.id) carries no container template; the Kubernetes backend runs containers")
        }
        self.init(
            launch: launch, template: container.template, accelerator: container.accelerator,
            gpusPerWorker: container.gpusPerWorker, namespace: namespace, checkpointClaim: container.checkpointClaim,
            terminationGraceSeconds: terminationGraceSeconds)
    }

    /// `<job>-r<run>-w<index>`: unique per worker and run, a valid DNS subdomain.
    public static func name(of id: WorkerID) -> String { "\(id.job)-r\(id.run)-w\(id.index)" }

    /// The Pod as JSON (keys sorted).
    public func json() throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The Pod as a JSON object.
    public var object: [String: Any] {
        let template = Self.foundation(self.template) as? [String: Any] ?? [:]
        let id = launch.id
        var container: [String: Any] = ["name": "worker", "env": environment(template), "resources": resources(template)]
        if let image = template["image"] as? String { container["image"] = image }
        // The template's own command and args: the launch's command joins them, and an
        // absent command leaves the image's entrypoint in charge.
        if let command = template["command"] { container["command"] = command }
        if let args = template["args"] { container["args"] = args }
        if let workingDir = template["workingDir"] { container["workingDir"] = workingDir }
        var mounts = template["volumeMounts"] as? [Any] ?? []
        var volumes = template["volumes"] as? [Any] ?? []
        if let checkpointClaim {
            // One directory per job on the claim (the kubelet creates it), so jobs may share a claim.
            mounts.append(["name": "tide-checkpoint", "mountPath": Self.checkpointMountPath, "subPath": id.job])
            volumes.append(["name": "tide-checkpoint", "persistentVolumeClaim": ["claimName": checkpointClaim]])
        }
        if !mounts.isEmpty { container["volumeMounts"] = mounts }
        var spec: [String: Any] = [
            "schedulerName": "tide", "restartPolicy": "Never", "containers": [container],
            "terminationGracePeriodSeconds": terminationGraceSeconds,
            "tolerations": (template["tolerations"] as? [Any] ?? []) + Self.tolerations(accelerator: accelerator, key: acceleratorKey),
        ]
        if !volumes.isEmpty { spec["volumes"] = volumes }
        if let secrets = template["imagePullSecrets"] { spec["imagePullSecrets"] = secrets }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": Self.name(of: id), "namespace": namespace,
                "labels": [
                    Self.jobLabel: id.job, Self.indexLabel: "\(id.index)", Self.runLabel: "\(id.run)",
                    Self.acceleratorLabel: accelerator,
                ],
            ],
            "spec": spec,
        ]
    }

    /// What a GPU worker tolerates: the device plugin's usual taint, and its GPU type's pool taint.
    public static func tolerations(accelerator: String, key: String) -> [[String: Any]] {
        [
            ["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"],
            ["key": key, "operator": "Equal", "value": accelerator, "effect": "NoSchedule"],
        ]
    }

    /// The template's variables, then the contract's (which win: they describe this run).
    private func environment(_ template: [String: Any]) -> [[String: Any]] {
        var variables = (template["env"] as? [[String: Any]] ?? []).filter { entry in
            guard let name = entry["name"] as? String else { return false }
            return launch.environment[name] == nil && name != "TIDE_CHECKPOINT_DIR"
        }
        var contract = launch.environment
        contract["CUDA_VISIBLE_DEVICES"] = nil  // the device plugin picks the GPUs
        if checkpointClaim != nil { contract["TIDE_CHECKPOINT_DIR"] = Self.checkpointMountPath }
        variables += contract.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
        return variables
    }

    /// The template's requests and limits, with the GPUs as a limit (and request) of `nvidia.com/gpu`.
    private func resources(_ template: [String: Any]) -> [String: Any] {
        var limits: [String: Any] = [:]
        var requests: [String: Any] = [:]
        if let given = template["resources"] as? [String: Any] {
            if given["limits"] != nil || given["requests"] != nil {
                limits = given["limits"] as? [String: Any] ?? [:]
                requests = given["requests"] as? [String: Any] ?? [:]
            } else {
                // The spec's short form `{cpu: "2", memory: 16Gi}`: requests.
                requests = given
            }
        }
        limits["nvidia.com/gpu"] = "\(gpusPerWorker)"
        requests["nvidia.com/gpu"] = "\(gpusPerWorker)"
        return ["limits": limits, "requests": requests]
    }

    /// `JSONValue` as JSONSerialization's objects.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let flag): flag
        case .int(let number): number
        case .double(let number): number
        case .string(let text): text
        case .array(let elements): elements.map(foundation)
        case .object(let members): members.mapValues(foundation)
        }
    }
}
