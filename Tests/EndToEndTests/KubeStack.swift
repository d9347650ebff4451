import Foundation
import TideHTTP
import TideStore
import TideTestSupport

/// A training service, an allocator and schedulers with the Kubernetes
/// backend, against the fake API server with its simulated kubelet
/// (`Tests/TideKubeTests/fake-apiserver.py --kubelet`): the nearest this
/// machine comes to a cluster.
final class KubeStack: Sendable {
    static let kubeToken = "e2e-kube-token"
    let accelerator: String
    let database: String
    let directory: URL
    let servers: Stack.Servers
    let api: String
    let kubeAPI: String
    let kubeconfig: URL
    private let processes: [ChildProcess]

    private init(
        accelerator: String, database: String, directory: URL, servers: Stack.Servers, api: String, kubeAPI: String,
        kubeconfig: URL, processes: [ChildProcess]
    ) {
        self.accelerator = accelerator
        self.database = database
        self.directory = directory
        self.servers = servers
        self.api = api
        self.kubeAPI = kubeAPI
        self.kubeconfig = kubeconfig
        self.processes = processes
    }

    static func with(_ body: (KubeStack) async throws -> Void) async throws {
        let servers = try Stack.Servers.shared
        let accelerator = TestServers.uniqueName("kube")
        let database = TestServers.uniqueName("kube")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(accelerator)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (fake, kubeAPI) = try await FakeAPIServer.start(token: kubeToken, kubelet: true)
        var processes = [fake]
        do {
            let kubeconfig = directory.appendingPathComponent("kubeconfig")
            try """
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "\(kubeAPI)"}}]
            users: [{name: tide, user: {token: \(kubeToken)}}]
            contexts: [{name: fake, context: {cluster: fake, user: tide, namespace: tide}}]
            current-context: fake
            """.write(to: kubeconfig, atomically: true, encoding: .utf8)
            let store = try await MongoStore.connect(uri: servers.mongo, database: database)
            try await store.ensureSchema()
            await store.close()
            let (service, api) = try await Stack.startService(
                database: database, logs: directory.appendingPathComponent("logs"), servers: servers,
                arguments: ["--logs-from", "kubernetes", "--kubeconfig", kubeconfig.path])
            processes.append(service)
            processes.append(try await Stack.startAllocator(servers: servers))
            let stack = KubeStack(
                accelerator: accelerator, database: database, directory: directory, servers: servers, api: api,
                kubeAPI: kubeAPI, kubeconfig: kubeconfig, processes: processes)
            try await body(stack)
        } catch {
            for process in processes.reversed() { await process.stop() }
            throw error
        }
        for process in processes.reversed() { await process.stop() }
    }

    /// Two replicas of this type's scheduler: `replica-1` leading, `replica-2` standing by.
    func startLeaderAndStandby(leaseSeconds: Int) async throws -> (leader: ChildProcess, standby: ChildProcess) {
        let leader = try startScheduler(identity: "replica-1", leaseSeconds: leaseSeconds)
        _ = try await leader.waitForLog("scheduling")
        let standby = try startScheduler(identity: "replica-2", leaseSeconds: leaseSeconds)
        _ = try await standby.waitForLog("standing by")
        return (leader, standby)
    }

    /// Starts a scheduler replica named `identity`; returns it without waiting for it to lead.
    func startScheduler(identity: String, leaseSeconds: Int = 3) throws -> ChildProcess {
        try ChildProcess(
            [
                try builtExecutable("scheduler").path, "--accelerator", accelerator, "--backend", "kubernetes",
                "--kubeconfig", kubeconfig.path, "--identity", identity, "--lease-seconds", "\(leaseSeconds)",
                "--port", "0", "--host", "127.0.0.1", "--mongo-uri", servers.mongo, "--database", database,
                "--amqp-uri", servers.amqp, "--api-url", api, "--stop-grace", "2", "--min-resize-interval", "0",
                "--tick-seconds", "1",
            ],
            environment: ["PATH": "/usr/bin:/bin", "TIDE_JOB_TOKEN_SECRET": Stack.jobSecret])
    }

    /// A request to the fake API server, decoded.
    func kube(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json")
        async throws -> [String: Any]
    {
        var headers = [HTTPHeader("Authorization", "Bearer \(Self.kubeToken)")]
        if body != nil { headers.append(HTTPHeader("Content-Type", contentType)) }
        let response = try await CurlHTTPClient().send(
            HTTPRequest(method: method, url: kubeAPI + path, headers: headers, body: body.map { Data($0.utf8) }))
        return (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
    }

    func addNode(_ name: String, gpus: Int, accelerator: String? = nil, usable: Int? = nil) async throws {
        let annotations = usable.map { #"{"fake/usable-gpus": "\#($0)"}"# } ?? "{}"
        _ = try await kube(
            "POST", "/api/v1/nodes",
            body: #"{"metadata": {"name": "\#(name)", "labels": {"tide/accelerator": "\#(accelerator ?? self.accelerator)"}, "annotations": \#(annotations)}, "spec": {}, "status": {"allocatable": {"nvidia.com/gpu": "\#(gpus)"}, "conditions": [{"type": "Ready", "status": "True"}]}}"#)
    }

    /// Tide's pods now: name → (phase, node).
    func pods() async throws -> [String: (phase: String, node: String)] {
        let list = try await kube("GET", "/api/v1/namespaces/tide/pods")
        var pods: [String: (String, String)] = [:]
        for item in list["items"] as? [[String: Any]] ?? [] {
            let name = (item["metadata"] as? [String: Any])?["name"] as? String ?? "?"
            pods[name] = ((item["status"] as? [String: Any])?["phase"] as? String ?? "", (item["spec"] as? [String: Any])?["nodeName"] as? String ?? "")
        }
        return pods
    }

    /// Pod changes, oldest first: (resourceVersion, type, name, phase).
    func podHistory() async throws -> [(version: Int, type: String, name: String, phase: String?)] {
        let history = try await kube("GET", "/fake/history")
        return (history["items"] as? [[Any]] ?? []).compactMap { entry in
            guard entry.count >= 5, entry[1] as? String == "pods", let version = entry[0] as? Int, let type = entry[2] as? String,
                let key = entry[3] as? String
            else { return nil }
            return (version, type, String(key.split(separator: "/").last ?? ""), entry[4] as? String)
        }
    }
}
