import Foundation
import TideBackend
import TideCore
import TideKube
import TideTestSupport
import Testing

@Suite struct WorkerPodTests {
    static let launch = WorkerLaunch(
        id: WorkerID(job: "resnet50-20261123-081500", run: 3, index: 1), workerCount: 4, node: "gpu-7", gpus: [2, 3],
        command: ["python3", "train.py"],
        environment: [
            "TIDE_JOB": "resnet50-20261123-081500", "TIDE_WORKER_INDEX": "1", "TIDE_NUM_WORKERS": "4", "BATCH": "512",
            "CUDA_VISIBLE_DEVICES": "2,3", "TIDE_CHECKPOINT_DIR": "/local/path",
        ])

    static let template: JSONValue = .object([
        "image": .string("pixyzinc/pixyz-scheduler-worker:latest"),
        "command": .array([.string("python3"), .string("train.py")]),
        "env": .array([
            .object(["name": .string("BATCH"), "value": .string("256")]),
            .object(["name": .string("DATASET"), "value": .string("/data/cifar")]),
        ]),
        "resources": .object(["cpu": .string("2"), "memory": .string("16Gi")]),
        "volumeMounts": .array([.object(["name": .string("data"), "mountPath": .string("/data")])]),
        "volumes": .array([.object(["name": .string("data"), "persistentVolumeClaim": .object(["claimName": .string("datasets")])])]),
        "tolerations": .array([.object(["key": .string("dedicated"), "operator": .string("Equal"), "value": .string("ml"), "effect": .string("NoSchedule")])]),
        "imagePullSecrets": .array([.object(["name": .string("registry")])]),
    ])

    var pod: WorkerPod {
        WorkerPod(
            launch: Self.launch, template: Self.template, accelerator: "nvidia-tesla-v100", gpusPerWorker: 2, namespace: "training",
            checkpointClaim: "ckpt", terminationGraceSeconds: 30)
    }

    @Test func carriesTheLabelsTheGPUsAndTheSchedulerName() throws {
        let object = pod.object
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["name"] as? String == "resnet50-20261123-081500-r3-w1")
        #expect(metadata["labels"] as? [String: String] == [
            "tide/job": "resnet50-20261123-081500", "tide/worker-index": "1", "tide/run": "3", "tide/accelerator": "nvidia-tesla-v100",
        ])
        let spec = try #require(object["spec"] as? [String: Any])
        #expect(spec["schedulerName"] as? String == "tide" && spec["restartPolicy"] as? String == "Never")
        let container = try #require((spec["containers"] as? [[String: Any]])?.first)
        let resources = try #require(container["resources"] as? [String: [String: String]])
        #expect(resources["limits"] == ["nvidia.com/gpu": "2"])
        #expect(resources["requests"] == ["cpu": "2", "memory": "16Gi", "nvidia.com/gpu": "2"])
        let tolerations = try #require(spec["tolerations"] as? [[String: String]])
        #expect(tolerations.map { $0["key"] } == ["dedicated", "nvidia.com/gpu", "tide/accelerator"])
        // A pool tainted for its GPU type is tolerated, under the label key the scheduler uses.
        #expect(tolerations.last == ["key": "tide/accelerator", "operator": "Equal", "value": "nvidia-tesla-v100", "effect": "NoSchedule"])
        var beside = pod
        beside.acceleratorKey = "vodascheduler/accelerator"
        let voda = (beside.object["spec"] as? [String: Any])?["tolerations"] as? [[String: String]]
        #expect(voda?.last?["key"] == "vodascheduler/accelerator")
    }

    @Test func theContractsEnvironmentWinsAndTheDevicePluginPicksTheGPUs() throws {
        let container = try #require(((pod.object["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let environment = (container["env"] as? [[String: String]] ?? []).reduce(into: [String: [String]]()) { $0[$1["name"]!, default: []].append($1["value"]!) }
        #expect(environment["BATCH"] == ["512"], "the run's value, once")
        #expect(environment["DATASET"] == ["/data/cifar"])
        #expect(environment["CUDA_VISIBLE_DEVICES"] == nil)
        #expect(environment["TIDE_CHECKPOINT_DIR"] == [WorkerPod.checkpointMountPath])
        let mounts = try #require(container["volumeMounts"] as? [[String: String]])
        #expect(mounts.map { $0["name"] } == ["data", "tide-checkpoint"])
    }

    @Test func theSameInputGivesTheSameBytes() throws {
        #expect(try pod.json() == (try pod.json()))
    }

    /// The official schema, offline (PyPI `kubernetes-validate`, installed by scripts/install-deps.sh).
    @Test func validatesAgainstTheKubernetesSchema() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tide-pods-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var minimal = pod
        minimal.template = .object(["image": .string("busybox")])
        minimal.checkpointClaim = nil
        var files: [String] = []
        for (index, candidate) in [pod, minimal].enumerated() {
            let file = directory.appendingPathComponent("pod-\(index).json")
            try candidate.json().write(to: file)
            files.append(file.path)
        }
        let result = try Spawn.run(["/usr/bin/env", "python3", "-m", "kubernetes_validate", "--strict", "-k", "1.30"] + files)
        #expect(result.status == 0, "\(result.output)\(result.errors)")
    }
}
