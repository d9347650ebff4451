import Foundation
import TideBackend
import TideCore
import TideKube
import TideKubeBackend
import Testing

/// Voda's MPIJobs on the Kubernetes backend, against the fake API server's
/// simulated MPI operator: the run's MPIJob, its workers bound by Tide, replicas
/// scaled up and down, the run's end from the launcher's.
@Suite(.serialized) struct MPIJobBackendTests {
    static func document(exitAfter: Double, exitCode: Int = 0) -> JSONValue {
        let container: (String) -> JSONValue = { name in
            .object(["name": .string(name), "image": .string("example.org/horovod:tf2-py3")])
        }
        var launcher = container("mpi-launcher").objectValue!
        launcher["env"] = .array([
            .object(["name": "NP", "value": "1"]), .object(["name": "MIN_NP", "value": "1"]),
            .object(["name": "FAKE_EXIT_AFTER", "value": .string("\(exitAfter)")]),
            .object(["name": "FAKE_EXIT_CODE", "value": .string("\(exitCode)")]),
        ])
        return .object([
            "apiVersion": "kubeflow.org/v1", "kind": "MPIJob", "metadata": .object(["name": "mnist"]),
            "spec": .object([
                "mpiReplicaSpecs": .object([
                    "Launcher": .object(["replicas": 1, "template": .object(["spec": .object(["containers": .array([.object(launcher)])])])]),
                    "Worker": .object([
                        "replicas": 1,
                        "template": .object([
                            "spec": .object([
                                "containers": .array([container("mpi-worker")]),
                                "nodeSelector": .object(["vodascheduler/accelerator": "v100"]),
                            ])
                        ]),
                    ]),
                ])
            ]),
        ])
    }

    static func launch(_ index: Int, of count: Int, node: String, document: JSONValue) -> WorkerLaunch {
        WorkerLaunch(
            id: WorkerID(job: "mnist", run: 1, index: index), workerCount: count, node: node, gpus: [index], command: [],
            environment: ["TIDE_JOB": "mnist", "TIDE_WORKER_INDEX": "\(index)", "TIDE_NUM_WORKERS": "\(count)"],
            container: ContainerTemplate(template: .object([:]), accelerator: "v100", gpusPerWorker: 1, mpiJob: document))
    }

    func mpiJob(_ cluster: FakeCluster) async throws -> [String: Any]? {
        do {
            let data = try await cluster.client.send("GET", "/apis/kubeflow.org/v1/namespaces/tide/mpijobs/mnist-r1")
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    func replicas(_ job: [String: Any]?) -> Int? {
        (((job?["spec"] as? [String: Any])?["mpiReplicaSpecs"] as? [String: Any])?["Worker"] as? [String: Any])?["replicas"] as? Int
    }

    @Test func theRunIsAnMPIJobWhoseWorkersTideBindsAndWhoseLauncherEndsIt() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let document = Self.document(exitAfter: 600)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<2 {
                    group.addTask { try await handle.backend.start(Self.launch(index, of: 2, node: "gpu-1", document: document)) }
                }
                try await group.waitForAll()
            }
            let job = try #require(try await mpiJob(cluster))
            #expect(replicas(job) == 2)
            let labels = (job["metadata"] as? [String: Any])?["labels"] as? [String: String]
            #expect(labels?["tide/job"] == "mnist")
            for index in 0..<2 {
                let pod = try #require(try await cluster.pod("mnist-r1-worker-\(index)"))
                let spec = pod["spec"] as? [String: Any]
                #expect(spec?["nodeName"] as? String == "gpu-1")
                #expect(spec?["schedulerName"] as? String == "tide")
                #expect(spec?["nodeSelector"] == nil, "the accelerator selector is Tide's to satisfy")
            }
            let launcher = try #require(try await cluster.pod("mnist-r1-launcher"))
            let env = (((launcher["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first?["env"] as? [[String: Any]]) ?? []
            #expect(env.contains { $0["name"] as? String == "NP" && $0["value"] as? String == "2" })
            #expect(env.contains { $0["name"] as? String == "TIDE_JOB" && $0["value"] as? String == "mnist" })
            // The launcher's success is every worker's.
            try await cluster.exit("mnist-r1-launcher")
            for index in 0..<2 {
                let exit = try await handle.exit(of: WorkerID(job: "mnist", run: 1, index: index))
                #expect(exit.status == .exited(0) && !exit.requested)
            }
            await handle.backend.shutdown()
        }
    }

    @Test func aLiveResizeScalesTheReplicasAndStoppingEveryWorkerDeletesTheMPIJob() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let document = Self.document(exitAfter: 600)
            for index in 0..<2 { try await handle.backend.start(Self.launch(index, of: 2, node: "gpu-1", document: document)) }
            // Grow by one: the replicas rise, and the new worker is bound.
            try await handle.backend.start(Self.launch(2, of: 3, node: "gpu-1", document: document))
            #expect(replicas(try await mpiJob(cluster)) == 3)
            #expect((try await cluster.pod("mnist-r1-worker-2"))?["spec"].flatMap { ($0 as? [String: Any])?["nodeName"] as? String } == "gpu-1")
            // Shrink from the top: the replicas fall and that worker's pod is gone when stop returns.
            try await handle.backend.stop(WorkerID(job: "mnist", run: 1, index: 2), grace: .seconds(2))
            #expect(replicas(try await mpiJob(cluster)) == 2)
            #expect(try await cluster.pod("mnist-r1-worker-2") == nil)
            // Stopping the rest deletes the MPIJob and its pods.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<2 {
                    group.addTask { try await handle.backend.stop(WorkerID(job: "mnist", run: 1, index: index), grace: .seconds(2)) }
                }
                try await group.waitForAll()
            }
            #expect(try await mpiJob(cluster) == nil)
            #expect(try await cluster.pod("mnist-r1-worker-0") == nil)
            let stopped = try await handle.exit(of: WorkerID(job: "mnist", run: 1, index: 0))
            #expect(stopped.requested)
            await handle.backend.shutdown()
        }
    }

    @Test func aFailedLauncherIsTheRunsFailure() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            try await handle.backend.start(Self.launch(0, of: 1, node: "gpu-1", document: Self.document(exitAfter: 0.5, exitCode: 2)))
            let exit = try await handle.exit(of: WorkerID(job: "mnist", run: 1, index: 0))
            #expect(exit.status == .exited(2))
            #expect(!exit.requested)
            await handle.backend.shutdown()
        }
    }
}
