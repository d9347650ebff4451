import Foundation
import TideBackend
import TideKube
import TideKubeBackend
import Testing
import TideTestSupport

/// The Kubernetes backend against the fake API server and its simulated
/// kubelet: pods made from the template and bound, ends read from the pod
/// watch, stops that wait for the pod to be gone, refusals that are not the
/// job's failure, adoption after a restart.
@Suite(.serialized) struct KubernetesBackendTests {
    @Test func aWorkerRunsAsABoundPodAndItsExitIsReported() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let launch = FakeCluster.launch("train-a", index: 0, of: 1, node: "gpu-1", gpus: 2, env: ["FAKE_EXIT_AFTER": "0.3"])
            try await handle.backend.start(launch)
            let pod = try #require(try await cluster.pod("train-a-r1-w0"))
            let spec = try #require(pod["spec"] as? [String: Any])
            #expect(spec["nodeName"] as? String == "gpu-1")
            #expect(spec["schedulerName"] as? String == "tide")
            let labels = (pod["metadata"] as? [String: Any])?["labels"] as? [String: String]
            #expect(labels?["tide/job"] == "train-a")
            #expect(labels?["tide/accelerator"] == "v100")
            let exit = try await handle.exit(of: launch.id)
            #expect(exit.status == .exited(0))
            #expect(!exit.requested)
            #expect(exit.isSuccess)
            // The pod stays (its logs) until the exit is recorded, then is marked so.
            try await handle.backend.forget(launch.id)
            let after = try #require(try await cluster.pod("train-a-r1-w0"))
            #expect(((after["metadata"] as? [String: Any])?["labels"] as? [String: String])?[KubernetesBackend.recordedLabel] == "true")
            let scheduled = try await cluster.events().filter { $0["reason"] as? String == "Scheduled" }
            #expect(scheduled.count == 1)
            #expect((scheduled.first?["message"] as? String)?.contains("Scheduled to node gpu-1 by tide") == true)
            #expect((scheduled.first?["involvedObject"] as? [String: Any])?["name"] as? String == "train-a-r1-w0")
            await handle.backend.shutdown()
        }
    }

    @Test func aFailingWorkersExitCodeIsReported() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let launch = FakeCluster.launch("oom", node: "gpu-1", env: ["FAKE_EXIT_AFTER": "0.2", "FAKE_EXIT_CODE": "137"])
            try await handle.backend.start(launch)
            let exit = try await handle.exit(of: launch.id)
            #expect(exit.status == .exited(137))
            #expect(!exit.requested)
            await handle.backend.shutdown()
        }
    }

    @Test func stopReturnsOnlyOnceThePodIsGone() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let launch = FakeCluster.launch("long", node: "gpu-1", env: ["FAKE_STOP_SECONDS": "0.5"])
            try await handle.backend.start(launch)
            try await Task.sleep(for: .milliseconds(200))
            let began = ContinuousClock.now
            try await handle.backend.stop(launch.id, grace: .seconds(5))
            // The kubelet took 0.5 s to stop the container; stop waited for it.
            #expect(ContinuousClock.now - began >= .milliseconds(400))
            #expect(try await cluster.pod("long-r1-w0") == nil)
            let exit = try await handle.exit(of: launch.id)
            #expect(exit.requested)
            #expect(!exit.isSuccess)
            // Stopping again, or a worker never started, succeeds without doing anything.
            try await handle.backend.stop(launch.id, grace: .seconds(1))
            await handle.backend.shutdown()
        }
    }

    @Test func aWorkerStartedAgainUnderTheSameNameIsWaitedForWhenItStopsAgain() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            // Shrunk, then grown back within its run: worker 3's pod has the same name both times.
            let launch = FakeCluster.launch("regrown", index: 3, of: 4, node: "gpu-1", env: ["FAKE_STOP_SECONDS": "1"])
            for _ in 0..<2 {
                try await handle.backend.start(launch)
                try await cluster.waitUntilRunning("regrown-r1-w3")
                let began = ContinuousClock.now
                try await handle.backend.stop(launch.id, grace: .seconds(5))
                // The kubelet takes 1 s to stop it: the second stop waits as the first did.
                #expect(ContinuousClock.now - began >= .milliseconds(800))
                #expect(try await cluster.pod("regrown-r1-w3") == nil)
            }
            await handle.backend.shutdown()
        }
    }

    @Test func aPodTheKubeletRefusesIsReportedAsRefusedNotFailed() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("small", gpus: "1")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let first = FakeCluster.launch("first", node: "small")
            try await handle.backend.start(first)
            try await cluster.waitUntilRunning("first-r1-w0")
            // Tide's bookkeeping says there is room, the kubelet disagrees (a GPU someone else took).
            let second = FakeCluster.launch("second", node: "small")
            try await handle.backend.start(second)
            let exit = try await handle.exit(of: second.id)
            guard case .refused(let reason) = exit.status else {
                Issue.record("expected a refusal, got \(exit.status)")
                return
            }
            #expect(reason.contains("OutOfnvidia.com/gpu"))
            #expect(reason.contains("requested: 1, used: 1, capacity: 1"))
            await handle.backend.shutdown()
        }
    }

    @Test func evictionsAndDeletionsByOthersAreRefusalsAndABadImageFailsToStart() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "8")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            let evicted = FakeCluster.launch("evicted", node: "gpu-1")
            let removed = FakeCluster.launch("removed", node: "gpu-1")
            let badImage = FakeCluster.launch("bad-image", node: "gpu-1", env: ["FAKE_PULL": "fail"])
            for launch in [evicted, removed, badImage] { try await handle.backend.start(launch) }
            for name in ["evicted-r1-w0", "removed-r1-w0"] { try await cluster.waitUntilRunning(name) }
            _ = try await cluster.client.send("POST", "/fake/evict", query: ["namespace": "tide", "name": "evicted-r1-w0"])
            _ = try await cluster.client.send("DELETE", "/api/v1/namespaces/tide/pods/removed-r1-w0", query: ["gracePeriodSeconds": "0"])
            let eviction = try await handle.exit(of: evicted.id)
            #expect(eviction.status == .refused("Evicted: The node was low on resource: memory."))
            let removal = try await handle.exit(of: removed.id)
            guard case .refused(let why) = removal.status else {
                Issue.record("expected a refusal, got \(removal.status)")
                return
            }
            #expect(why.contains("deleted before it ended"))
            let pull = try await handle.exit(of: badImage.id)
            guard case .failedToStart(let reason) = pull.status else {
                Issue.record("expected failedToStart, got \(pull.status)")
                return
            }
            #expect(reason.hasPrefix("ImagePullBackOff"))
            await handle.backend.shutdown()
        }
    }

    /// A gang start cancels its other workers' starts when one fails or time runs out: a create
    /// the API server did but had not answered yet left a pod nobody would bind.
    @Test func aStartCancelledBeforeItsCreateIsAnsweredLeavesNoPod() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            // Pods are created at once; the answer comes 30 s later.
            _ = try await cluster.client.send("POST", "/fake/slow", query: ["verb": "create", "resource": "pods", "seconds": "30"])
            let backend = handle.backend
            let starting = Task { try await backend.start(FakeCluster.launch("unanswered", node: "gpu-1")) }
            try await eventually(within: .seconds(10), "the pod created") { try await cluster.pod("unanswered-r1-w0") != nil }
            starting.cancel()
            let began = ContinuousClock.now
            let outcome = await starting.result
            #expect(throws: (any Error).self) { try outcome.get() }
            #expect(ContinuousClock.now - began < .seconds(20), "the cancelled start waited for the answer")
            try await eventually(within: .seconds(10), "the unbound pod deleted") { try await cluster.pod("unanswered-r1-w0") == nil }
            await handle.backend.shutdown()
        }
    }

    /// A gang rolled back while a create was on its way: the stop's delete found nothing, and the
    /// create landed after it. The pod is neither bound nor left Pending.
    @Test func aWorkerStoppedBeforeItsPodIsCreatedLeavesNoPod() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            // Creates reach the store 2 s after they arrive.
            _ = try await cluster.client.send(
                "POST", "/fake/slow", query: ["verb": "create", "resource": "pods", "seconds": "2", "before": "1"])
            let backend = handle.backend
            let launch = FakeCluster.launch("late", node: "gpu-1")
            let starting = Task { try await backend.start(launch) }
            try await Task.sleep(for: .milliseconds(500))
            try await backend.stop(launch.id, grace: .seconds(1))
            #expect(try await cluster.pod("late-r1-w0") == nil, "the stop came before the create")
            let outcome = await starting.result
            #expect(throws: BackendError.self) { try outcome.get() }
            try await eventually(within: .seconds(10), "the late pod deleted") { try await cluster.pod("late-r1-w0") == nil }
            let bound = try await cluster.client.send("GET", "/fake/history")
            #expect(!String(decoding: bound, as: UTF8.self).contains("gpu-1\"]"), "the late pod was bound")
            await handle.backend.shutdown()
        }
    }

    @Test func aPodTheAPIRejectsBlamesTheJobAndAnAPIServerAwayDoesNot() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            do {
                try await handle.backend.start(FakeCluster.launch("no-image", node: "gpu-1", image: nil))
                Issue.record("a pod without an image was accepted")
            } catch let error as BackendError {
                #expect(error.blamesJob)
                #expect(error.message.contains("spec.containers[0].image: Required value"))
            }
            #expect(try await cluster.pod("no-image-r1-w0") == nil)
            do {
                try await handle.backend.start(FakeCluster.launch("no-node", node: "gpu-404"))
                Issue.record("a pod was bound to a node that does not exist")
            } catch let error as BackendError {
                #expect(!error.blamesJob)
                #expect(error.message.contains("gpu-404"))
            }
            // Nothing else binds Tide's pods: one left unbound would stay Pending for ever.
            try await eventually(within: .seconds(10), "the unbound pod deleted") { try await cluster.pod("no-node-r1-w0") == nil }
            await handle.backend.shutdown()
        }
        // RBAC without the rule: the cluster's fault, and the message says where to look.
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let handle = cluster.backend()
            _ = try await handle.backend.adopt()
            _ = try await cluster.client.send("POST", "/fake/forbid", query: ["verb": "create", "resource": "pods"])
            do {
                try await handle.backend.start(FakeCluster.launch("forbidden", node: "gpu-1"))
                Issue.record("a forbidden create succeeded")
            } catch let error as BackendError {
                #expect(!error.blamesJob)
                #expect(error.message.contains("forbidden"), "\(error)")
            }
            await handle.backend.shutdown()
        }
        // No server at all: the cluster's fault.
        let away = KubernetesBackend(
            client: KubeClient(connection: KubeConnection(server: "http://127.0.0.1:1", credentials: .token("x")), maxRetries: 0),
            configuration: .init(namespace: "tide", accelerator: "v100", instance: "test"), logger: .init(label: "test"))
        do {
            try await away.start(FakeCluster.launch("j", node: "n"))
            Issue.record("started a worker with no API server")
        } catch let error as BackendError {
            #expect(!error.blamesJob)
        }
        await away.shutdown()
    }

    @Test func aPodBeingDeletedIsNotAdoptedAsRunningAndItsEndComesAsRequested() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "4")
            let first = cluster.backend()
            _ = try await first.backend.adopt()
            let launch = FakeCluster.launch("preempted", node: "gpu-1", env: ["FAKE_STOP_SECONDS": "3"])
            try await first.backend.start(launch)
            try await cluster.waitUntilRunning("preempted-r1-w0")
            // The scheduler stops the worker (a preemption) and dies while the pod terminates.
            let stopping = Task { try await first.backend.stop(launch.id, grace: .seconds(30)) }
            try await eventually(within: .seconds(10), "the pod is being deleted") {
                ((try await cluster.pod("preempted-r1-w0")?["metadata"] as? [String: Any])?["deletionTimestamp"]) != nil
            }
            stopping.cancel()
            await first.backend.shutdown()

            let second = cluster.backend()
            let adoption = try await second.backend.adopt()
            #expect(adoption.running.isEmpty, "\(adoption.running.map(\.launch.id))")
            #expect(adoption.missedExits.isEmpty)
            let exit = try await second.exit(of: launch.id)
            #expect(exit.requested, "\(exit)")
            await second.backend.shutdown()
        }
    }

    @Test func aNewBackendAdoptsRunningPodsAndReportsMissedEndsOnce() async throws {
        try await FakeCluster.with { cluster in
            try await cluster.addNode("gpu-1", gpus: "8")
            let first = cluster.backend()
            _ = try await first.backend.adopt()
            let running = FakeCluster.launch("job", index: 0, of: 2, node: "gpu-1")
            let ending = FakeCluster.launch("job", index: 1, of: 2, node: "gpu-1", env: ["FAKE_EXIT_AFTER": "0.2"])
            try await first.backend.start(running)
            try await first.backend.start(ending)
            _ = try await first.exit(of: ending.id)
            // The scheduler dies before recording the exit.
            await first.backend.shutdown()
            // A pod created but never bound (the scheduler died between the two) is cleaned up.
            _ = try await cluster.client.send(
                "POST", "/api/v1/namespaces/tide/pods",
                body: try WorkerPod(launch: FakeCluster.launch("job", run: 2, node: "gpu-1"), namespace: "tide", terminationGraceSeconds: 30).json())

            let second = cluster.backend()
            let adoption = try await second.backend.adopt()
            #expect(adoption.running.map(\.launch.id) == [running.id])
            #expect(adoption.running.first?.launch.node == "gpu-1")
            #expect(adoption.missedExits.map(\.id) == [ending.id])
            #expect(adoption.missedExits.first?.status == .exited(0))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await cluster.pod("job-r2-w0") == nil)
            try await second.backend.forget(ending.id)
            await second.backend.shutdown()

            let third = cluster.backend()
            let again = try await third.backend.adopt()
            #expect(again.missedExits.isEmpty)
            #expect(again.running.map(\.launch.id) == [running.id])
            await third.backend.shutdown()
        }
    }
}
