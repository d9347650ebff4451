import Foundation
import TideHTTP
import TideKube
import TideTestSupport
import Testing

/// The client against the fake API server (`fake-apiserver.py`), which keeps
/// the real server's semantics: resourceVersions, watches from a version,
/// 410 inside a 200 stream, 404, 409 on a second binding, Status bodies.
@Suite(.serialized) struct KubeClientTests {
    static let token = "fake-token"

    func withServer(_ body: (KubeClient, String) async throws -> Void) async throws {
        let (server, url) = try await FakeAPIServer.start(token: Self.token)
        do {
            try await body(KubeClient(connection: KubeConnection(server: url, credentials: .token(Self.token))), url)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func nodeJSON(_ name: String, gpus: String, accelerator: String = "v100") -> Data {
        Data(#"{"metadata": {"name": "\#(name)", "labels": {"tide/accelerator": "\#(accelerator)"}}, "spec": {}, "status": {"allocatable": {"nvidia.com/gpu": "\#(gpus)"}, "conditions": [{"type": "Ready", "status": "True"}]}}"#.utf8)
    }

    @Test func listsEveryPageWithSelectors() async throws {
        try await withServer { client, _ in
            for index in 0..<7 {
                _ = try await client.send("POST", "/api/v1/nodes", body: Self.nodeJSON("n\(index)", gpus: "\(index % 3)", accelerator: index < 5 ? "v100" : "t4"))
            }
            let (nodes, version): ([KubeNode], String) = try await client.list(
                "/api/v1/nodes", labelSelector: "tide/accelerator=v100", pageSize: 2)
            #expect(nodes.map(\.metadata.name) == ["n0", "n1", "n2", "n3", "n4"])
            let gpus = try nodes.map { try $0.allocatableGPUs() }
            #expect(gpus == [0, 1, 2, 0, 1])
            let schedulable = nodes.allSatisfy { $0.isSchedulable }
            #expect(schedulable)
            #expect(Int(version) ?? 0 > 1000)
        }
    }

    @Test func aWatchSeesALabelChangeWithinASecond() async throws {
        try await withServer { client, _ in
            _ = try await client.send("POST", "/api/v1/nodes", body: Self.nodeJSON("gpu-1", gpus: "4"))
            let (_, version): ([KubeNode], String) = try await client.list("/api/v1/nodes")
            let events: AsyncThrowingStream<WatchEvent<KubeNode>, any Error> = try await client.watch(
                "/api/v1/nodes", resourceVersion: version, labelSelector: "tide/accelerator")
            let changed = ContinuousClock.now
            _ = try await client.send(
                "PATCH", "/api/v1/nodes/gpu-1", body: Data(#"{"metadata": {"labels": {"tide/accelerator": "a100"}}}"#.utf8),
                contentType: "application/merge-patch+json")
            var seen: KubeNode?
            for try await event in events {
                if case .modified(let node) = event {
                    seen = node
                    break
                }
            }
            #expect(seen?.metadata.labels?["tide/accelerator"] == "a100")
            // Delivered as it happens, not when the watch ends; how fast is
            // measured by `make bench-kube`, not here, where a loaded machine adds seconds.
            #expect(ContinuousClock.now - changed < .seconds(15), "the label change took \(ContinuousClock.now - changed)")
        }
    }

    @Test func aWatchFromAnExpiredVersionThrowsGone() async throws {
        try await withServer { client, url in
            _ = try await client.send("POST", "/api/v1/nodes", body: Self.nodeJSON("old", gpus: "1"))
            _ = try await CurlHTTPClient().send(HTTPRequest(method: "POST", url: url + "/fake/compact", body: Data()))
            let events: AsyncThrowingStream<WatchEvent<KubeNode>, any Error> = try await client.watch("/api/v1/nodes", resourceVersion: "1000")
            await #expect(throws: KubeAPIError.self) {
                for try await _ in events {}
            }
            do {
                for try await _ in events {}
            } catch let error as KubeAPIError {
                #expect(error.isGone, "\(error)")
            }
        }
    }

    @Test func errorsCarryTheStatusReason() async throws {
        try await withServer { client, url in
            _ = try await client.send("POST", "/api/v1/nodes", body: Self.nodeJSON("n", gpus: "2"))
            let pod = Data(#"{"metadata": {"name": "w-0", "labels": {"tide/job": "j"}}, "spec": {"schedulerName": "tide", "containers": [{"name": "w", "image": "x"}]}}"#.utf8)
            _ = try await client.send("POST", "/api/v1/namespaces/tide/pods", body: pod)
            await #expect { try await client.send("POST", "/api/v1/namespaces/tide/pods", body: pod) } throws: { error in
                (error as? KubeAPIError)?.reason == "AlreadyExists"
            }
            let binding = Data(#"{"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "w-0"}, "target": {"kind": "Node", "name": "n"}}"#.utf8)
            _ = try await client.send("POST", "/api/v1/namespaces/tide/pods/w-0/binding", body: binding)
            await #expect { try await client.send("POST", "/api/v1/namespaces/tide/pods/w-0/binding", body: binding) } throws: { error in
                (error as? KubeAPIError)?.isConflict == true
            }
            await #expect { try await client.send("DELETE", "/api/v1/namespaces/tide/pods/nope") } throws: { error in
                (error as? KubeAPIError)?.isNotFound == true
            }
            let stranger = KubeClient(connection: KubeConnection(server: url, credentials: .token("wrong")))
            await #expect { try await stranger.send("GET", "/api/v1/nodes") } throws: { error in
                (error as? KubeAPIError)?.code == 401
            }
        }
    }

    @Test func aMalformedGPUCountNamesTheNode() throws {
        let node = try JSONDecoder().decode(KubeNode.self, from: Self.nodeJSON("bad", gpus: "1500m"))
        #expect(throws: KubeNodeError(node: "bad", message: "nvidia.com/gpu '1500m' is not a whole number of GPUs")) {
            try node.allocatableGPUs()
        }
    }

    @Test func anUnreachableServerIsOneClearError() async throws {
        let client = KubeClient(connection: KubeConnection(server: "http://127.0.0.1:1", credentials: .token("t")), maxRetries: 0)
        await #expect { try await client.send("GET", "/api/v1/nodes") } throws: { error in
            guard let error = error as? KubeAPIError else { return false }
            return error.code == 0 && error.description.hasPrefix("GET /api/v1/nodes: no answer")
        }
    }
}

@Suite(.serialized) struct KubePodCallsTests {
    @Test func createBindAndDeleteAreSafeToRetry() async throws {
        try await KubeClientTests().withServer { client, _ in
            _ = try await client.send("POST", "/api/v1/nodes", body: KubeClientTests.nodeJSON("n1", gpus: "4"))
            _ = try await client.send("POST", "/api/v1/nodes", body: KubeClientTests.nodeJSON("n2", gpus: "4"))
            let launch = WorkerPodTests.launch
            let pod = WorkerPod(
                launch: launch, template: .object(["image": .string("busybox")]), accelerator: "v100", gpusPerWorker: 1,
                namespace: "tide", checkpointClaim: nil, terminationGraceSeconds: 10)
            let name = WorkerPod.name(of: launch.id)
            try await client.create(pod)
            try await client.create(pod)
            try await client.bind(pod: name, namespace: "tide", to: "n1")
            try await client.bind(pod: name, namespace: "tide", to: "n1")
            await #expect { try await client.bind(pod: name, namespace: "tide", to: "n2") } throws: { error in
                (error as? KubeAPIError)?.isConflict == true
            }
            let (pods, _): ([KubePod], String) = try await client.list(KubeClient.podsPath("tide"), labelSelector: "tide/job=\(launch.id.job)")
            #expect(pods.map(\.spec?.nodeName) == ["n1"])
            #expect(pods.first?.gpuRequest() == 1)
            try await client.deletePod(name, namespace: "tide", graceSeconds: 5)
            try await client.deletePod(name, namespace: "tide", graceSeconds: 5)
        }
    }
}
