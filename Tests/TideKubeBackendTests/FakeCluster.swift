import Foundation
import Logging
import TideBackend
import TideCore
import TideKube
import TideKubeBackend
import TideTestSupport

/// The fake API server with its simulated kubelet (`fake-apiserver.py --kubelet`), and ways to shape it.
struct FakeCluster {
    static let token = "fake-token"
    let server: ChildProcess
    let url: String
    let client: KubeClient

    static func start() async throws -> FakeCluster {
        let (server, url) = try await FakeAPIServer.start(token: token, kubelet: true)
        return FakeCluster(
            server: server, url: url, client: KubeClient(connection: KubeConnection(server: url, credentials: .token(token))))
    }

    /// Runs `body` against a fresh cluster, stopping it after.
    static func with(_ body: (FakeCluster) async throws -> Void) async throws {
        let cluster = try await start()
        do {
            try await body(cluster)
        } catch {
            await cluster.server.stop()
            throw error
        }
        await cluster.server.stop()
    }

    func addNode(_ name: String, gpus: String, accelerator: String? = "v100", labelKey: String = "tide/accelerator",
                 ready: Bool = true, cordoned: Bool = false) async throws {
        let labels = accelerator.map { #"{"\#(labelKey)": "\#($0)"}"# } ?? "{}"
        let body = #"{"metadata": {"name": "\#(name)", "labels": \#(labels)}, "spec": {"unschedulable": \#(cordoned)}, "status": {"allocatable": {"nvidia.com/gpu": "\#(gpus)"}, "conditions": [{"type": "Ready", "status": "\#(ready ? "True" : "False")"}]}}"#
        _ = try await client.send("POST", "/api/v1/nodes", body: Data(body.utf8))
    }

    func patch(_ path: String, _ json: String) async throws {
        _ = try await client.send("PATCH", path, body: Data(json.utf8), contentType: "application/merge-patch+json")
    }

    func pod(_ name: String, namespace: String = "tide") async throws -> [String: Any]? {
        do {
            let data = try await client.send("GET", "/api/v1/namespaces/\(namespace)/pods/\(name)")
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    /// Waits (up to a minute) until the simulated kubelet runs the pod.
    func waitUntilRunning(_ name: String, namespace: String = "tide") async throws {
        try await eventually(within: .seconds(60), "\(name) running") {
            ((try await pod(name, namespace: namespace))?["status"] as? [String: Any])?["phase"] as? String == "Running"
        }
    }

    /// Ends a pod's container with `code` once the simulated kubelet runs it (`/fake/exit`):
    /// the test, not a clock, decides when a workload finishes.
    func exit(_ name: String, code: Int = 0, namespace: String = "tide") async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                _ = try await client.send("POST", "/fake/exit", query: ["namespace": namespace, "name": name, "code": "\(code)"])
                return
            } catch let error as KubeAPIError where error.code == 409 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func events(namespace: String = "tide") async throws -> [[String: Any]] {
        let data = try await client.send("GET", "/api/v1/namespaces/\(namespace)/events")
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
    }

    func backend(namespace: String = "tide", accelerator: String = "v100") -> KubernetesBackendHandle {
        var logger = Logger(label: "test.kube-backend")
        logger.logLevel = .warning
        return KubernetesBackendHandle(
            backend: KubernetesBackend(
                client: client, configuration: .init(namespace: namespace, accelerator: accelerator, instance: "test"),
                logger: logger))
    }

    /// A launch of one worker of `job` with `env` in its template.
    static func launch(
        _ job: String, run: Int = 1, index: Int = 0, of count: Int = 1, node: String, gpus: Int = 1,
        env: [String: String] = [:], image: String? = "registry.example/train:1"
    ) -> WorkerLaunch {
        var template: [String: JSONValue] = [
            "env": .array(env.sorted { $0.key < $1.key }.map { .object(["name": .string($0.key), "value": .string($0.value)]) })
        ]
        if let image { template["image"] = .string(image) }
        return WorkerLaunch(
            id: WorkerID(job: job, run: run, index: index), workerCount: count, node: node, gpus: Array(0..<gpus),
            command: [], environment: ["TIDE_JOB": job, "TIDE_WORKER_INDEX": "\(index)"],
            container: ContainerTemplate(template: .object(template), accelerator: "v100", gpusPerWorker: gpus))
    }
}

/// A backend and the exits it reported, gathered as they come.
struct KubernetesBackendHandle {
    let backend: KubernetesBackend
    let seen = Gathered<WorkerExit>()

    init(backend: KubernetesBackend) {
        self.backend = backend
        let seen = seen
        Task {
            for await exit in backend.exits { await seen.add(exit) }
        }
    }

    /// The first exit of `worker`, waiting up to `timeout`.
    func exit(of worker: WorkerID, timeout: Duration = .seconds(10)) async throws -> WorkerExit {
        try await seen.first(timeout: timeout) { $0.id == worker }
    }
}

actor Gathered<Item: Sendable> {
    private(set) var items: [Item] = []

    func add(_ item: Item) { items.append(item) }

    func first(timeout: Duration, where match: @Sendable (Item) -> Bool) async throws -> Item {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = items.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut()
    }
}

struct TimedOut: Error {}
