import Foundation
import Testing
import TideAllocation

/// A snapshot refused whole, and the field the error must name.
struct BadInput: Sendable, CustomTestStringConvertible {
    var label: String
    var json: String
    /// Accepted field paths (one, except where two places are equally right).
    var fields: [String]

    var testDescription: String { label }

    /// A snapshot around `jobs` on one 4-GPU node `n1` (or `nodes`).
    static func snapshot(
        jobs: String, nodes: String = #"[{"name": "n1", "gpus": 4, "availableGpus": [0, 1, 2, 3]}]"#,
        policy: String = "tide"
    ) -> String {
        #"{"policy": "\#(policy)", "now": 5400, "minResizeInterval": 60, "nodes": \#(nodes), "jobs": \#(jobs)}"#
    }

    static let all: [BadInput] = [
        BadInput(
            label: "duplicate job names",
            json: snapshot(jobs: #"[{"name": "a"}, {"name": "b"}, {"name": "a"}]"#), fields: ["jobs[2].name"]),
        BadInput(label: "zero minWorkers", json: snapshot(jobs: #"[{"name": "a", "minWorkers": 0, "maxWorkers": 2}]"#), fields: ["jobs[0].minWorkers"]),
        BadInput(label: "negative minWorkers", json: snapshot(jobs: #"[{"name": "a", "minWorkers": -1, "maxWorkers": 2}]"#), fields: ["jobs[0].minWorkers"]),
        BadInput(label: "negative maxWorkers", json: snapshot(jobs: #"[{"name": "a", "minWorkers": 1, "maxWorkers": -2}]"#), fields: ["jobs[0].maxWorkers"]),
        BadInput(label: "zero gpusPerWorker", json: snapshot(jobs: #"[{"name": "a", "gpusPerWorker": 0}]"#), fields: ["jobs[0].gpusPerWorker"]),
        BadInput(label: "negative node GPUs", json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": -1, "availableGpus": []}]"#), fields: ["nodes[0].gpus"]),
        BadInput(
            label: "min > max", json: snapshot(jobs: #"[{"name": "a", "minWorkers": 4, "maxWorkers": 2, "requestedWorkers": 3}]"#),
            fields: ["jobs[0].maxWorkers", "jobs[0].minWorkers"]),
        BadInput(
            label: "requested above max", json: snapshot(jobs: #"[{"name": "a", "minWorkers": 1, "maxWorkers": 8, "requestedWorkers": 9}]"#),
            fields: ["jobs[0].requestedWorkers"]),
        BadInput(
            label: "GPU listed twice in availableGpus",
            json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": 4, "availableGpus": [0, 1, 1]}]"#),
            fields: ["nodes[0].availableGpus[2]"]),
        BadInput(
            label: "available GPU not on its node",
            json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": 4, "availableGpus": [0, 4]}]"#),
            fields: ["nodes[0].availableGpus[1]"]),
        BadInput(
            label: "negative available GPU",
            json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": 4, "availableGpus": [-1]}]"#),
            fields: ["nodes[0].availableGpus[0]"]),
        BadInput(
            label: "duplicate node names",
            json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": 4}, {"name": "n1", "gpus": 2}]"#),
            fields: ["nodes[1].name"]),
        BadInput(
            label: "placement GPU not available",
            json: snapshot(
                jobs: #"[{"name": "a", "placement": [{"node": "n1", "gpus": [2]}]}]"#,
                nodes: #"[{"name": "n1", "gpus": 4, "availableGpus": [0, 1]}]"#),
            fields: ["jobs[0].placement[0].gpus[0]"]),
        BadInput(
            label: "placement GPU held by two jobs",
            json: snapshot(
                jobs: #"[{"name": "a", "placement": [{"node": "n1", "gpus": [1]}]}, {"name": "b", "placement": [{"node": "n1", "gpus": [1]}]}]"#),
            fields: ["jobs[1].placement[0].gpus[0]"]),
        BadInput(
            label: "unknown node in a placement",
            json: snapshot(jobs: #"[{"name": "a", "placement": [{"node": "ghost", "gpus": [0]}]}]"#),
            fields: ["jobs[0].placement[0].node"]),
        BadInput(
            label: "placement of half a worker",
            json: snapshot(jobs: #"[{"name": "a", "gpusPerWorker": 2, "placement": [{"node": "n1", "gpus": [0]}]}]"#),
            fields: ["jobs[0].placement[0].gpus"]),
        BadInput(
            label: "speedup key not an integer",
            json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"1": 1.0, "two": 1.8}}]"#),
            fields: ["jobs[0].speedup.two"]),
        BadInput(
            label: "speedup key zero", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"0": 0.5}}]"#),
            fields: ["jobs[0].speedup.0"]),
        BadInput(
            label: "speedup key fractional", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"2.5": 2}}]"#),
            fields: ["jobs[0].speedup.2.5"]),
        BadInput(
            label: "speedup value zero", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"2": 0}}]"#),
            fields: ["jobs[0].speedup.2"]),
        BadInput(
            label: "speedup value negative", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"1": 1, "4": -1.5}}]"#),
            fields: ["jobs[0].speedup.4"]),
        BadInput(
            label: "speedup value not a number", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"2": "fast"}}]"#),
            fields: ["jobs[0].speedup.2"]),
        BadInput(label: "unknown policy", json: snapshot(jobs: "[]", policy: "round-robin"), fields: ["policy"]),
        BadInput(label: "malformed JSON", json: #"{"policy": "tide", "nodes": [{"name": "n1", "gpus": 4}"#, fields: ["(document)"]),
        BadInput(label: "not JSON at all", json: "policy=tide", fields: ["(document)"]),
        BadInput(label: "missing nodes", json: #"{"policy": "tide", "jobs": []}"#, fields: ["nodes"]),
        BadInput(label: "missing jobs", json: #"{"policy": "tide", "nodes": []}"#, fields: ["jobs"]),
        BadInput(label: "job without a name", json: snapshot(jobs: #"[{"minWorkers": 1}]"#), fields: ["jobs[0].name"]),
        BadInput(label: "node without gpus", json: snapshot(jobs: "[]", nodes: #"[{"name": "n1"}]"#), fields: ["nodes[0].gpus"]),
        BadInput(label: "wrong type", json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": "four"}]"#), fields: ["nodes[0].gpus"]),
        BadInput(
            label: "fractional worker count", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 2.5}]"#),
            fields: ["jobs[0].maxWorkers"]),
        BadInput(
            label: "negative attained GPU-seconds", json: snapshot(jobs: #"[{"name": "a", "attainedGpuSeconds": -5}]"#),
            fields: ["jobs[0].attainedGpuSeconds"]),
        BadInput(
            label: "measured width zero", json: snapshot(jobs: #"[{"name": "a", "measuredWorkers": [2, 0]}]"#),
            fields: ["jobs[0].measuredWorkers[1]"]),
        BadInput(label: "negative minResizeInterval", json: #"{"minResizeInterval": -1, "nodes": [], "jobs": []}"#, fields: ["minResizeInterval"]),
        BadInput(label: "empty job name", json: snapshot(jobs: #"[{"name": ""}]"#), fields: ["jobs[0].name"]),
        BadInput(
            label: "unknown resize mode", json: snapshot(jobs: #"[{"name": "a", "resize": "hot"}]"#), fields: ["jobs[0].resize"]),
        // Numbers so large that counts times GPUs would overflow, or a node's GPU
        // table would not fit in memory (each crashed `cmd allocate` before).
        BadInput(
            label: "maxWorkers of Int.max", json: snapshot(jobs: #"[{"name": "a", "maxWorkers": 9223372036854775807}]"#),
            fields: ["jobs[0].maxWorkers"]),
        BadInput(
            label: "gpusPerWorker of 2^62", json: snapshot(jobs: #"[{"name": "a", "minWorkers": 2, "gpusPerWorker": 4611686018427387904}]"#),
            fields: ["jobs[0].gpusPerWorker"]),
        BadInput(
            label: "a node of Int.max GPUs", json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": 9223372036854775807}]"#),
            fields: ["nodes[0].gpus"]),
        BadInput(
            label: "measured width of 2^62", json: snapshot(jobs: #"[{"name": "a", "measuredWorkers": [4611686018427387904]}]"#),
            fields: ["jobs[0].measuredWorkers[0]"]),
        BadInput(
            label: "speedup at 10 million workers", json: snapshot(jobs: #"[{"name": "a", "speedup": {"10000000": 2}}]"#),
            fields: ["jobs[0].speedup.10000000"]),
        // Fractions and overlarge numbers in integer arrays name the element (Foundation calls them invalid JSON).
        BadInput(
            label: "fractional GPU index",
            json: snapshot(jobs: "[]", nodes: #"[{"name": "n1", "gpus": 4, "availableGpus": [0, 0.5]}]"#),
            fields: ["nodes[0].availableGpus[1]"]),
        BadInput(
            label: "fractional placed GPU", json: snapshot(jobs: #"[{"name": "a", "placement": [{"node": "n1", "gpus": [1.5]}]}]"#),
            fields: ["jobs[0].placement[0].gpus[0]"]),
        BadInput(
            label: "measured width of 1e30", json: snapshot(jobs: #"[{"name": "a", "measuredWorkers": [2, 1e30]}]"#),
            fields: ["jobs[0].measuredWorkers[1]"]),
        BadInput(label: "a list instead of a snapshot", json: "[1, 2]", fields: ["(document)"]),
        // A non-preemptible job below its minimum may be neither stopped nor left there.
        BadInput(
            label: "non-preemptible below a minimum no GPUs hold",
            json: snapshot(jobs: #"[{"name": "a", "minWorkers": 8, "maxWorkers": 8, "preemptible": false, "placement": [{"node": "n1", "gpus": [0, 1, 2, 3]}]}]"#),
            fields: ["jobs[0].placement"]),
    ]
}

/// Bad input is refused whole, naming the field.
@Suite struct BadInputTests {
    @Test(arguments: BadInput.all)
    func refusedNamingTheField(_ input: BadInput) throws {
        do {
            let snapshot = try AllocationCoding.decodeSnapshot(Data(input.json.utf8))
            let decision = try Allocator.allocate(snapshot)
            Issue.record("accepted: \(String(decoding: try AllocationCoding.encode(decision), as: UTF8.self))")
        } catch let error as AllocationInputError {
            #expect(input.fields.contains(error.field), "field \(error.field): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    /// A non-preemptible job running below its minimum (which Tide never starts)
    /// reaches its minimum before a newcomer takes the GPUs it needs, under every policy.
    @Test(arguments: Allocator.policyNames)
    func aNonPreemptibleJobBelowItsMinimumReachesItFirst(policy: String) throws {
        let json = BadInput.snapshot(
            jobs: #"""
                [{"name": "new", "minWorkers": 3, "maxWorkers": 3, "submitTime": 0},
                 {"name": "np", "minWorkers": 4, "maxWorkers": 4, "preemptible": false, "submitTime": 100, "firstStartTime": 200,
                  "placement": [{"node": "n1", "gpus": [0, 1]}]}]
                """#, nodes: #"[{"name": "n1", "gpus": 6}]"#, policy: policy)
        let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        let decision = try Allocator.allocate(snapshot)
        #expect(decision.workers("np") == 4, "\(policy): \(decision)")
        #expect(violations(snapshot, decision).isEmpty, "\(policy): \(violations(snapshot, decision))")
    }

    /// A policy state the scheduler hands back is input too: a queue of 1e308 is no queue, not a crash.
    @Test(arguments: Allocator.policyNames)
    func anOutlandishPolicyStateIsIgnored(policy: String) throws {
        let json = BadInput.snapshot(jobs: #"[{"name": "a", "policyState": {"queue": 1e308, "enteredAt": -1e19}}]"#, policy: policy)
        let decision = try Allocator.allocate(try AllocationCoding.decodeSnapshot(Data(json.utf8)))
        #expect(decision.workers("a") == 1)
    }

    /// A maximum far beyond the cluster costs no more than one the cluster holds
    /// (a curve stops at the workers the GPUs could hold; it was sized by the maximum).
    @Test(arguments: Allocator.policyNames)
    func maximumsOfAMillionWorkersOnEightGPUs(policy: String) throws {
        let jobs = (0..<400).map { #"{"name": "j\#($0)", "maxWorkers": 1000000, "requestedWorkers": \#($0 == 0 ? 1000000 : 1)}"# }
        let json = BadInput.snapshot(jobs: "[\(jobs.joined(separator: ","))]", nodes: #"[{"name": "n1", "gpus": 8}]"#, policy: policy)
        let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty)
        #expect(decision.allocations.values.reduce(0) { $0 + $1.workers } == 8, "\(policy)")
    }

    /// A minimum no node (or the whole cluster) can hold is a pending job, not an error.
    @Test func minimumBeyondEveryNodeIsPendingNotAnError() throws {
        let json = BadInput.snapshot(
            jobs: #"[{"name": "big", "minWorkers": 2, "maxWorkers": 2, "gpusPerWorker": 8}, {"name": "ok", "maxWorkers": 1}]"#)
        let decision = try Allocator.allocate(try AllocationCoding.decodeSnapshot(Data(json.utf8)))
        let reason = try #require(decision.pending["big"])
        #expect(reason.contains("8 GPUs"), "\(reason)")
        #expect(decision.allocations["ok"]?.workers == 1)
    }

    /// Speedup tables that dip or have holes are accepted (documented correction in SpeedupCurve.swift).
    @Test(arguments: Allocator.policyNames)
    func dipsAndHolesAreAccepted(policy: String) throws {
        let json = BadInput.snapshot(
            jobs: #"""
                [{"name": "dip", "maxWorkers": 4, "requestedWorkers": 2, "speedup": {"1": 1, "2": 1.9, "3": 1.4, "4": 2.2}, "measuredWorkers": [1, 2, 3, 4]},
                 {"name": "holes", "maxWorkers": 8, "requestedWorkers": 4, "speedup": {"3": 2.5, "8": 5}, "measuredWorkers": [3, 8]}]
                """#, nodes: #"[{"name": "n1", "gpus": 8}]"#, policy: policy)
        let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty)
        // Both are usable inputs: each job runs, or waits with a reason (tide
        // may run "holes" at its measured efficient width of 8 on the one node).
        #expect(!decision.allocations.isEmpty, "\(decision)")
        for name in ["dip", "holes"] {
            #expect(decision.allocations[name] != nil || !(decision.pending[name] ?? "").isEmpty, "\(decision)")
        }
    }

    /// Finding: a speedup table naming one width twice ("2" and "02") made the
    /// curve depend on dictionary order, which differs between processes. It
    /// must be refused (the field names the second spelling) rather than
    /// silently pick one.
    @Test func sameWidthSpelledTwiceIsRefused() throws {
        let json = BadInput.snapshot(jobs: #"[{"name": "a", "maxWorkers": 4, "speedup": {"2": 1.9, "02": 1.1}}]"#)
        let error = try #require(throws: AllocationInputError.self) {
            try Allocator.allocate(try AllocationCoding.decodeSnapshot(Data(json.utf8)))
        }
        #expect(error.field.hasPrefix("jobs[0].speedup."), "\(error)")
    }

    /// The checker is not vacuous: breaking a correct decision is caught.
    @Test func checkerCatchesBrokenDecisions() throws {
        let snapshot = AllocationSnapshot(
            policy: "elastic-fifo", nodes: [NodeSnapshot(name: "n1", gpus: 4)],
            jobs: [
                JobSnapshot(
                    name: "a", minWorkers: 1, maxWorkers: 2, preemptible: false, firstStartTime: 0,
                    placement: [NodeGPUs(node: "n1", gpus: [0, 1])]),
                JobSnapshot(name: "b", minWorkers: 2, maxWorkers: 2),
            ])
        let good = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, good).isEmpty)
        var bad = good
        bad.allocations["b"] = JobAllocation(workers: 2, placement: [NodeGPUs(node: "n1", gpus: [1, 2])])
        #expect(violations(snapshot, bad).contains { $0.contains("also given") })
        bad = good
        bad.allocations["a"] = JobAllocation(workers: 2, placement: [NodeGPUs(node: "n1", gpus: [2, 3])])
        bad.allocations["b"] = nil
        bad.pending["b"] = "waiting"
        #expect(violations(snapshot, bad).contains { $0.contains("without a listed move") })
        bad = good
        bad.allocations["a"] = nil
        bad.pending["a"] = "stopped"
        #expect(violations(snapshot, bad).contains { $0.contains("non-preemptible") })
        bad = good
        bad.pending["b"] = ""
        #expect(violations(snapshot, bad).contains { $0.contains("both") })
        bad = good
        bad.allocations["b"] = JobAllocation(workers: 3, placement: [NodeGPUs(node: "n1", gpus: [2, 3, 4])])
        #expect(violations(snapshot, bad).contains { $0.contains("outside [2, 2]") })
        #expect(violations(snapshot, bad).contains { $0.contains("not in availableGpus") })
        bad = good
        bad.policyState["a"] = nil
        #expect(violations(snapshot, bad).contains { $0.contains("policyState") })
    }
}
