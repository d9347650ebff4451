// Issue 6's numbers against the fake API server (Tests/TideKubeTests/fake-apiserver.py):
// 1,000 worker pods created and bound; a node label change seen through a watch;
// a watch of 100,000 events parsed with the client's memory measured along the way.
//
//   kube-bench FAKE_APISERVER_SCRIPT
import BenchTiming
import Foundation
import Logging
import Synchronization
import TideKube
import TideKubeBackend

/// Remembers when the mirror last wrote which nodes.
final class OfferLog: NodeOfferSink {
    let written = Mutex<[(ContinuousClock.Instant, [String])]>([])
    func replaceNodes(accelerator: String, offers: [KubeCapacity.Offer]) async throws {
        written.withLock { $0.append((.now, offers.map(\.node))) }
    }
}

func residentMegabytes() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func node(_ name: String, label: String) -> Data {
    Data(#"{"metadata": {"name": "\#(name)", "labels": {"tide/accelerator": "\#(label)"}}, "spec": {}, "status": {"allocatable": {"nvidia.com/gpu": "8"}, "conditions": [{"type": "Ready", "status": "True"}]}}"#.utf8)
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: kube-bench FAKE_APISERVER_SCRIPT\n".utf8))
    exit(2)
}
let server = Process()
server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
server.arguments = ["python3", arguments[1], "bench-token"]
let output = Pipe()
server.standardOutput = output
try server.run()
defer { server.terminate() }
let firstLine = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
guard let port = firstLine.split(separator: " ").last.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) else {
    fatalError("the fake API server did not say its port: \(firstLine)")
}
let url = "http://127.0.0.1:\(port)"
let client = KubeClient(connection: KubeConnection(server: url, credentials: .token("bench-token")))
for index in 0..<64 {
    _ = try await client.send("POST", "/api/v1/nodes", body: node("gpu-\(index)", label: "v100"))
}

// 1. 1,000 pods created and bound, 16 calls in flight.
let created = try await LatencySamples.run(clients: 16, total: 1_000) { index in
    let launch = WorkerLaunchSample.launch(index)
    let pod = WorkerPod(
        launch: launch, template: .object(["image": .string("busybox")]), accelerator: "v100", gpusPerWorker: 1,
        namespace: "tide", checkpointClaim: nil, terminationGraceSeconds: 30)
    try await client.create(pod)
    try await client.bind(pod: WorkerPod.name(of: launch.id), namespace: "tide", to: "gpu-\(index % 64)")
}
print(String(format: "1,000 worker pods created and bound (16 in flight): %.2f s, %.0f pods/s (goal: under 10 s)", created.seconds, created.perSecond))

// 2. A node's label changed: how soon a watch of labelled nodes sees it.
var latencies: [Double] = []
for round in 0..<20 {
    let (_, version): ([KubeNode], String) = try await client.list("/api/v1/nodes", labelSelector: "tide/accelerator")
    let events: AsyncThrowingStream<WatchEvent<KubeNode>, any Error> = try await client.watch(
        "/api/v1/nodes", resourceVersion: version, labelSelector: "tide/accelerator", timeoutSeconds: 30)
    let label = round % 2 == 0 ? "a100" : "v100"
    let changed = ContinuousClock.now
    _ = try await client.send(
        "PATCH", "/api/v1/nodes/gpu-0", body: Data(#"{"metadata": {"labels": {"tide/accelerator": "\#(label)"}}}"#.utf8),
        contentType: "application/merge-patch+json")
    for try await event in events {
        if case .modified(let node) = event, node.metadata.labels?["tide/accelerator"] == label { break }
    }
    let elapsed = ContinuousClock.now - changed
    latencies.append(LatencySamples.milliseconds(elapsed))
}
let seenIn = LatencySamples(samples: latencies, seconds: 0)
print(String(format: "node label change seen by a watch, 20 changes: p50 %.1f ms, max %.1f ms (goal: under 1 s)", seenIn.p50, seenIn.quantile(1)))

// 2b. The same change reflected in the scheduler's capacity: from the PATCH to the node mirror's write.
let log = OfferLog()
var mirrorLogger = Logger(label: "kube-bench.mirror")
mirrorLogger.logLevel = .error
let mirror = NodeMirror(client: client, accelerator: "a100", labelKey: "tide/accelerator", sink: log, logger: mirrorLogger, changed: {})
let mirroring = Task { try await mirror.run() }
while log.written.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
var reflected: [Double] = []
for round in 0..<20 {
    let label = round % 2 == 0 ? "a100" : "v100"
    let changed = ContinuousClock.now
    _ = try await client.send(
        "PATCH", "/api/v1/nodes/gpu-2", body: Data(#"{"metadata": {"labels": {"tide/accelerator": "\#(label)"}}}"#.utf8),
        contentType: "application/merge-patch+json")
    while true {
        let last = log.written.withLock { $0.last }
        if let last, last.0 > changed, last.1.contains("gpu-2") == (label == "a100") {
            reflected.append(LatencySamples.milliseconds(last.0 - changed))
            break
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}
mirroring.cancel()
let capacityIn = LatencySamples(samples: reflected, seconds: 0)
print(String(format: "node label change reflected in capacity (node mirror write, 100 ms settle included), 20 changes: p50 %.1f ms, max %.1f ms (goal: under 1 s)", capacityIn.p50, capacityIn.quantile(1)))

// 3. A watch of 100,000 events, memory sampled as it goes.
let (_, before): ([KubeNode], String) = try await client.list("/api/v1/nodes")
_ = try await client.send("POST", "/fake/churn", query: ["name": "gpu-1", "count": "100000"], body: Data())
let total = 100_000
var seen = 0
var samples: [String] = [String(format: "%.1f", residentMegabytes())]
let watchStarted = ContinuousClock.now
let events: AsyncThrowingStream<WatchEvent<KubeNode>, any Error> = try await client.watch(
    "/api/v1/nodes", resourceVersion: before, timeoutSeconds: 120)
for try await event in events {
    if case .modified = event { seen += 1 }
    if seen % 20_000 == 0, case .modified = event { samples.append(String(format: "%.1f", residentMegabytes())) }
    if seen == total { break }
}
let watchElapsed = ContinuousClock.now - watchStarted
let watchSeconds = LatencySamples.milliseconds(watchElapsed) / 1000
print(String(format: "watch of %d events parsed in %.2f s (%.0f events/s); client RSS every 20,000 events: %@ MB", seen, watchSeconds,
             Double(seen) / watchSeconds, samples.joined(separator: ", ")))
