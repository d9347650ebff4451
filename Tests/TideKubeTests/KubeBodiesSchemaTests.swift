import Foundation
import TideBackend
import TideCore
@testable import TideKube
import TideTestSupport
import Testing

/// Every body Tide sends to the API server besides the worker Pod (see
/// `WorkerPodTests`) against the official schema, offline (PyPI
/// `kubernetes-validate`): events, the Lease, and the pod templates of the
/// MPIJobs it creates (the MPIJob itself is a custom resource; its templates
/// are what the operator turns into pods).
@Suite struct KubeBodiesSchemaTests {
    func validate(_ bodies: [String: Data]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tide-bodies-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for (name, body) in bodies.sorted(by: { $0.key < $1.key }) {
            let file = directory.appendingPathComponent("\(name).json")
            try body.write(to: file)
            files.append(file.path)
        }
        let result = try Spawn.run(["/usr/bin/env", "python3", "-m", "kubernetes_validate", "--strict", "-k", "1.30"] + files)
        #expect(result.status == 0, "\(result.output)\(result.errors)")
    }

    @Test func eventsAndTheLeaseValidate() throws {
        let onPod = KubeEvent(object: .pod("train-r1-w0"), reason: "Scheduled", message: "Scheduled to node gpu-1 by tide", time: 1_795_000_000.25)
        let onJob = KubeEvent(
            object: .trainingJob("train"), reason: "Pending", message: "needs 4 GPUs, 2 free", warning: true, time: 1_795_000_001)
        let lease = Lease(
            metadata: .init(name: "tide-scheduler-v100", namespace: "tide", resourceVersion: "12"),
            spec: .init(
                holderIdentity: "tide-scheduler-v100-7c9f", leaseDurationSeconds: 15,
                acquireTime: Lease.stamp(Date(timeIntervalSince1970: 1_795_000_000.5)),
                renewTime: Lease.stamp(Date(timeIntervalSince1970: 1_795_000_010.123456)), leaseTransitions: 2))
        try validate([
            "event-pod": try onPod.json(namespace: "tide", component: "tide-scheduler", instance: "replica-1"),
            "event-job": try onJob.json(namespace: "tide", component: "tide-scheduler", instance: "replica-1"),
            "lease": try JSONEncoder().encode(lease),
        ])
        #expect(Lease.stamp(Date(timeIntervalSince1970: 1_795_000_010.123456)).hasSuffix(".123456Z"))
    }

    @Test func theMPIJobsPodTemplatesValidate() throws {
        let document = try JobSpecParser.parse(
            try String(contentsOf: Self.fixture, encoding: .utf8), format: .yaml, options: .init(defaultAccelerator: "v100"))
        let launch = WorkerLaunch(
            id: WorkerID(job: "mnist", run: 2, index: 0), workerCount: 3, node: "gpu-1", gpus: [0], command: [],
            environment: ["TIDE_JOB": "mnist", "TIDE_WORKER_INDEX": "0", "TIDE_NUM_WORKERS": "3"],
            container: ContainerTemplate(template: .object([:]), accelerator: "v100", gpusPerWorker: 1, mpiJob: document.mpiJob))
        let manifest = try MPIJobManifest(launch: launch, namespace: "tide")
        let replicas = (manifest.object["spec"] as? [String: Any])?["mpiReplicaSpecs"] as? [String: Any] ?? [:]
        var bodies: [String: Data] = [:]
        for role in ["Launcher", "Worker"] {
            let template = (replicas[role] as? [String: Any])?["template"] ?? [:]
            bodies[role] = try JSONSerialization.data(withJSONObject: [
                "apiVersion": "v1", "kind": "PodTemplate", "metadata": ["name": "mnist-r2-\(role.lowercased())"],
                "template": template,
            ])
        }
        try validate(bodies)
        #expect((replicas["Worker"] as? [String: Any])?["replicas"] as? Int == 3)
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TideCoreTests/Fixtures/voda/tensorflow2/tensorflow2-keras-mnist-elastic.yaml").standardized
}
