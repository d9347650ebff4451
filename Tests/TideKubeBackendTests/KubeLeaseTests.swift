import Foundation
import TideKube
import Testing

/// Leader election on the fake API server's Leases.
@Suite(.serialized) struct KubeLeaseTests {
    /// A 9 s lease: its holder gives up 6 s after its last renewal was sent. CI starts every
    /// suite at once, and the fake API server (a Python process) has then kept a renewal
    /// unanswered for 2 s, the deadline of a 3 s lease.
    func lease(_ cluster: FakeCluster, _ identity: String) -> KubeLease {
        KubeLease(client: cluster.client, namespace: "tide", name: "tide-scheduler-v100", identity: identity, seconds: 9)
    }

    func holder(_ cluster: FakeCluster) async throws -> String? {
        let data = try await cluster.client.send("GET", "/apis/coordination.k8s.io/v1/namespaces/tide/leases/tide-scheduler-v100")
        let spec = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["spec"] as? [String: Any]
        return spec?["holderIdentity"] as? String
    }

    @Test func oneHolderAtATimeAndAStandbyTakesOverAfterTheDuration() async throws {
        try await FakeCluster.with { cluster in
            let first = lease(cluster, "one")
            let tenure = try await first.acquire()
            #expect(try await holder(cluster) == "one")
            let keeping = Task { try await first.keep(heldSince: tenure.heldSince) }
            let second = lease(cluster, "two")
            let waiting = Task { try await second.acquire() }
            // While the first renews, the second waits (well past the 9 s duration).
            try await Task.sleep(for: .seconds(13.5))
            let renewing = try await holder(cluster)
            if renewing != "one" {
                keeping.cancel()
                Issue.record("the first lost the lease while renewing: \(String(describing: await keeping.result))")
            }
            // The first stops renewing (it died): the second holds the lease within about the duration.
            keeping.cancel()
            let stopped = ContinuousClock.now
            let next = try await waiting.value
            // The later holder's term of the same lease is later: its writes fence off the first's.
            #expect(next.term > tenure.term)
            #expect(!tenure.lease.isEmpty && next.lease == tenure.lease)
            // The duration (9 s), plus up to a renewal period of staleness and a retry period of polling
            // (1.8 s each), plus what a loaded test machine adds: well under three durations.
            #expect(ContinuousClock.now - stopped < .seconds(27))
            #expect(try await holder(cluster) == "two")
        }
    }

    @Test func aHolderWhoseAPIServerStopsAnsweringStopsBeforeAStandbyCanStart() async throws {
        try await FakeCluster.with { cluster in
            // 6 s: given up 4 s after the last renewal, 2 s before a standby may take over.
            let first = KubeLease(client: cluster.client, namespace: "tide", name: "tide-scheduler-v100", identity: "one", seconds: 6)
            let heldSince = try await first.acquire().heldSince
            let keeping = Task { try await first.keep(heldSince: heldSince) }
            try await Task.sleep(for: .seconds(1))
            // The API server hangs: connections are accepted, nothing is answered.
            cluster.server.signal(SIGSTOP)
            let stalled = ContinuousClock.now
            let outcome = await keeping.result
            let stoppedAfter = ContinuousClock.now - stalled
            cluster.server.signal(SIGCONT)
            #expect(throws: KubeLease.Lost.self) { try outcome.get() }
            // It gave up within two thirds of the duration (4 s) of its last renewal: before a
            // standby, which waits out the whole duration (6 s) from then, could take over.
            #expect(stoppedAfter < .seconds(6), "the holder kept acting for \(stoppedAfter) without a renewal")
            #expect(try await holder(cluster) == "one", "nobody else wrote the lease")
        }
    }

    @Test func aHolderThatLosesTheLeaseStopsAndAReleasedLeaseIsTakenAtOnce() async throws {
        try await FakeCluster.with { cluster in
            let first = lease(cluster, "one")
            try await first.acquire()
            // Someone else writes the lease (a replica that judged it expired).
            let path = "/apis/coordination.k8s.io/v1/namespaces/tide/leases/tide-scheduler-v100"
            var object = try JSONSerialization.jsonObject(with: try await cluster.client.send("GET", path)) as? [String: Any] ?? [:]
            var spec = object["spec"] as? [String: Any] ?? [:]
            spec["holderIdentity"] = "intruder"
            object["spec"] = spec
            _ = try await cluster.client.send("PUT", path, body: try JSONSerialization.data(withJSONObject: object))
            await #expect(throws: KubeLease.Lost.self) { try await first.keep() }

            // A holder that gives the lease back lets the next take it without waiting out the duration.
            let third = lease(cluster, "three")
            let fourth = lease(cluster, "four")
            let thirdTerm = try await third.acquire().term
            try await third.release()
            let released = ContinuousClock.now
            #expect(try await fourth.acquire().term == thirdTerm + 1)
            #expect(ContinuousClock.now - released < .seconds(3))
            #expect(try await holder(cluster) == "four")
        }
    }
}
