import Foundation
import Logging
import ServiceLifecycle
import TideKube
import TideKubeBackend
import Testing

/// What the mirror writes, as the `nodes` collection would hold it.
actor RecordingSink: NodeOfferSink {
    private(set) var writes: [[KubeCapacity.Offer]] = []

    func replaceNodes(accelerator: String, offers: [KubeCapacity.Offer]) async throws { writes.append(offers) }

    /// The offers once `check` holds for them, within `timeout`; nil when it never did.
    func offers(within timeout: Duration, _ check: @Sendable ([KubeCapacity.Offer]) -> Bool) async throws -> [KubeCapacity.Offer]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let last = writes.last, check(last) { return last }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}

@Suite(.serialized) struct NodeMirrorTests {
    func withMirror(labelKey: String = "tide/accelerator", _ body: (FakeCluster, RecordingSink) async throws -> Void) async throws {
        try await FakeCluster.with { cluster in
            let sink = RecordingSink()
            var logger = Logger(label: "test.mirror")
            logger.logLevel = .error
            let mirror = NodeMirror(
                client: cluster.client, accelerator: "v100", labelKey: labelKey, sink: sink, logger: logger, changed: {})
            let task = Task { try await mirror.run() }
            defer { task.cancel() }
            try await body(cluster, sink)
        }
    }

    @Test func offersLabelledReadyNodesMinusWhatOtherPodsHold() async throws {
        try await withMirror { cluster, sink in
            try await cluster.addNode("a", gpus: "8")
            try await cluster.addNode("b", gpus: "4", cordoned: true)
            try await cluster.addNode("c", gpus: "4", ready: false)
            try await cluster.addNode("t4-node", gpus: "4", accelerator: "t4")
            try await cluster.addNode("broken", gpus: "two")
            // Someone else's pod holds 3 of a's GPUs; a finished one holds none.
            for (name, phase) in [("notebook", "Running"), ("old-batch", "Succeeded")] {
                _ = try await cluster.client.send(
                    "POST", "/api/v1/namespaces/ml/pods",
                    body: Data(#"{"metadata": {"name": "\#(name)"}, "spec": {"nodeName": "a", "containers": [{"name": "c", "image": "x", "resources": {"limits": {"nvidia.com/gpu": "3"}}}]}, "status": {"phase": "\#(phase)"}}"#.utf8))
            }
            let offers = try await sink.offers(within: .seconds(5)) { $0.count == 3 && $0.first?.gpus == 5 }
            #expect(
                offers == [
                    KubeCapacity.Offer(node: "a", gpus: 5, schedulable: true),
                    KubeCapacity.Offer(node: "b", gpus: 4, schedulable: false),
                    KubeCapacity.Offer(node: "c", gpus: 4, schedulable: false),
                ], "\(String(describing: offers))")
        }
    }

    /// The mirror never lists nodes again on a timer: a change shows only if the watch
    /// carries it. How fast it does is measured by `make bench-kube` (docs/benchmarks.md:
    /// p50 102 ms from the PATCH to the offers written, within the 1 s goal); a timed
    /// assertion here failed on a loaded machine (2.6 s).
    @Test func aLabelChangeReachesTheOffersThroughTheWatch() async throws {
        try await withMirror { cluster, sink in
            try await cluster.addNode("a", gpus: "8")
            #expect(try await sink.offers(within: .seconds(5)) { $0.map(\.node) == ["a"] } != nil)
            try await cluster.addNode("late", gpus: "2", accelerator: nil)
            try await cluster.patch("/api/v1/nodes/late", #"{"metadata": {"labels": {"tide/accelerator": "v100"}}}"#)
            #expect(try await sink.offers(within: .seconds(15)) { $0.map(\.node) == ["a", "late"] } != nil)
            try await cluster.patch("/api/v1/nodes/a", #"{"metadata": {"labels": {"tide/accelerator": "a100"}}}"#)
            #expect(try await sink.offers(within: .seconds(15)) { $0.map(\.node) == ["late"] } != nil)
        }
    }

    @Test func runsBesideVodaOnItsLabelKey() async throws {
        try await withMirror(labelKey: "vodascheduler/accelerator") { cluster, sink in
            try await cluster.addNode("voda-1", gpus: "4", labelKey: "vodascheduler/accelerator")
            try await cluster.addNode("tide-1", gpus: "4")
            #expect(try await sink.offers(within: .seconds(5)) { $0.map(\.node) == ["voda-1"] } != nil)
        }
    }

    @Test func aWatchThatExpiresListsAgainAndMissesNothing() async throws {
        try await withMirror { cluster, sink in
            try await cluster.addNode("a", gpus: "8")
            #expect(try await sink.offers(within: .seconds(5)) { $0.count == 1 } != nil)
            // A node made while the watches were broken, its event compacted away: the
            // watch from the old version gets 410, and only a new list shows the node.
            _ = try await cluster.client.send(
                "POST", "/fake/hidden-create",
                body: Data(#"{"metadata": {"name": "b", "labels": {"tide/accelerator": "v100"}}, "spec": {}, "status": {"allocatable": {"nvidia.com/gpu": "2"}, "conditions": [{"type": "Ready", "status": "True"}]}}"#.utf8))
            #expect(try await sink.offers(within: .seconds(5)) { $0.map(\.node) == ["a", "b"] } != nil)
            let stats = try JSONSerialization.jsonObject(with: try await cluster.client.send("GET", "/fake/stats")) as? [String: Any]
            #expect((stats?["expired"] as? Int ?? 0) >= 1, "no watch was refused with 410: \(String(describing: stats))")
        }
    }
}
