import Foundation
import Testing
import TideAllocation
import TideTestSupport

struct RunResult {
    var status: Int32
    var stdout: Data
    var stderr: Data

    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errors: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs `cmd arguments...` with `input` on stdin; `environment` replaces the test's own when given.
func runCmd(_ arguments: [String], input: Data = Data(), environment: [String: String]? = nil) throws -> RunResult {
    let (status, output, errors) = try Spawn.run(
        [try builtExecutable("cmd").path] + arguments, input: input, environment: environment)
    return RunResult(status: status, stdout: Data(output.utf8), stderr: Data(errors.utf8))
}

/// The example snapshot of SPEC.md, "Allocation contract", verbatim.
let specExample = #"""
    {"policy": "tide", "now": 5400, "minResizeInterval": 60,
     "nodes": [{"name": "n1", "gpus": 4, "availableGpus": [0, 1, 2, 3]}],
     "jobs": [{"name": "j1", "minWorkers": 1, "maxWorkers": 8, "requestedWorkers": 4,
               "gpusPerWorker": 1, "priority": 0, "preemptible": true,
               "queue": "default", "resize": "restart",
               "submitTime": 0, "firstStartTime": 60, "lastResizeTime": 600,
               "attainedGpuSeconds": 1800, "runningSeconds": 900, "waitingSeconds": 60,
               "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [0, 1]}],
               "speedup": {"1": 1.0, "2": 1.8, "4": 3.1}, "measuredWorkers": [2, 4],
               "remainingSeconds": 7200, "policyState": {}}]}
    """#

/// A busier round: three nodes, running and waiting jobs, ties on submit
/// time, 2-GPU workers, a recent resize, a non-preemptible job, dips and holes.
let busySnapshot = #"""
    {"policy": "tide", "now": 10000, "minResizeInterval": 60,
     "nodes": [{"name": "n1", "gpus": 8}, {"name": "n2", "gpus": 4, "availableGpus": [0, 1, 3]},
               {"name": "n3", "gpus": 8, "availableGpus": [0, 1, 2, 3, 4, 5]}],
     "jobs": [
      {"name": "a", "minWorkers": 1, "maxWorkers": 8, "requestedWorkers": 4, "submitTime": 0, "firstStartTime": 100,
       "attainedGpuSeconds": 20000, "runningSeconds": 5000, "placement": [{"node": "n1", "gpus": [0, 1, 2]}],
       "speedup": {"1": 1, "2": 1.8, "3": 2.4, "5": 3.1}, "measuredWorkers": [1, 2, 3], "remainingSeconds": 4000},
      {"name": "b", "minWorkers": 2, "maxWorkers": 4, "gpusPerWorker": 2, "submitTime": 0, "firstStartTime": 9990,
       "placement": [{"node": "n3", "gpus": [0, 1, 2, 3]}], "speedup": {"2": 1.9, "3": 1.7, "4": 3.0},
       "measuredWorkers": [2]},
      {"name": "c", "minWorkers": 1, "maxWorkers": 2, "preemptible": false, "priority": 1, "submitTime": 50,
       "firstStartTime": 200, "placement": [{"node": "n2", "gpus": [3]}], "remainingSeconds": 100},
      {"name": "d", "minWorkers": 2, "maxWorkers": 6, "requestedWorkers": 3, "submitTime": 50, "remainingSeconds": 900,
       "speedup": {"6": 5.5}, "measuredWorkers": [6]},
      {"name": "e", "minWorkers": 3, "maxWorkers": 3, "gpusPerWorker": 3, "submitTime": 70},
      {"name": "f", "minWorkers": 1, "maxWorkers": 1, "priority": 2, "submitTime": 900, "attainedGpuSeconds": 60000,
       "policyState": {"queue": 1, "enteredAt": 950, "attainedAtEntry": 57600}}
     ]}
    """#

@Suite struct AllocateCommandTests {
    /// Two separate processes, same snapshot, same bytes (hash seeds differ per process).
    @Test(arguments: Allocator.policyNames)
    func twoProcessesGiveIdenticalBytes(policy: String) throws {
        let input = Data(busySnapshot.utf8)
        let first = try runCmd(["allocate", "--policy", policy], input: input)
        let second = try runCmd(["allocate", "--policy", policy], input: input)
        #expect(first.status == 0, "\(String(decoding: first.stderr, as: UTF8.self))")
        #expect(!first.stdout.isEmpty)
        #expect(first.stdout == second.stdout)
        // And the same as the library, plus a newline.
        var snapshot = try AllocationCoding.decodeSnapshot(input)
        snapshot.policy = policy
        let library = try AllocationCoding.encode(try Allocator.allocate(snapshot)) + Data([0x0A])
        #expect(first.stdout == library)
    }

    /// The spec's own example: every job in exactly one of allocations and pending.
    @Test func specExampleProducesAValidDecision() throws {
        let result = try runCmd(["allocate"], input: Data(specExample.utf8))
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        #expect(result.stderr.isEmpty)
        let decision = try JSONDecoder().decode(AllocationDecision.self, from: result.stdout)
        #expect((decision.allocations["j1"] == nil) != (decision.pending["j1"] == nil))
        #expect(Set(decision.allocations.keys).union(decision.pending.keys) == ["j1"])
        #expect(decision.policyState["j1"] != nil)
        if let allocation = decision.allocations["j1"] {
            #expect((1...8).contains(allocation.workers))
            #expect(allocation.placement.reduce(0) { $0 + $1.gpus.count } == allocation.workers)
            // Whatever it decides, j1 keeps the GPUs it has if it keeps or grows its count.
            if allocation.workers >= 2 { #expect(Set([0, 1]).isSubset(of: Set(allocation.placement.flatMap(\.gpus)))) }
        }
        // Keys sorted, one line.
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.hasSuffix("}\n") && text.filter { $0 == "\n" }.count == 1)
        let keys = ["\"allocations\"", "\"moves\"", "\"pending\"", "\"policyState\""].map { text.range(of: $0)!.lowerBound }
        #expect(keys == keys.sorted())
    }

    @Test func prettyOutputDecodesToTheSameDecision() throws {
        let plain = try runCmd(["allocate"], input: Data(busySnapshot.utf8))
        let pretty = try runCmd(["allocate", "--pretty"], input: Data(busySnapshot.utf8))
        #expect(pretty.status == 0)
        #expect(
            try JSONDecoder().decode(AllocationDecision.self, from: plain.stdout)
                == JSONDecoder().decode(AllocationDecision.self, from: pretty.stdout))
    }

    /// Bad input: exit 2, nothing on stdout, `{"error", "field"}` on stderr.
    @Test(arguments: [
        ("duplicate job names", #"{"nodes": [], "jobs": [{"name": "a"}, {"name": "a"}]}"#, "jobs[1].name"),
        ("zero minWorkers", #"{"nodes": [], "jobs": [{"name": "a", "minWorkers": 0}]}"#, "jobs[0].minWorkers"),
        ("negative gpusPerWorker", #"{"nodes": [], "jobs": [{"name": "a", "gpusPerWorker": -2}]}"#, "jobs[0].gpusPerWorker"),
        ("min > max", #"{"nodes": [], "jobs": [{"name": "a", "minWorkers": 3, "maxWorkers": 2}]}"#, "jobs[0].maxWorkers"),
        ("GPU twice", #"{"nodes": [{"name": "n1", "gpus": 2, "availableGpus": [1, 1]}], "jobs": []}"#, "nodes[0].availableGpus[1]"),
        ("GPU not on node", #"{"nodes": [{"name": "n1", "gpus": 2, "availableGpus": [0, 2]}], "jobs": []}"#, "nodes[0].availableGpus[1]"),
        (
            "placement GPU not available",
            #"{"nodes": [{"name": "n1", "gpus": 4, "availableGpus": [0]}], "jobs": [{"name": "a", "placement": [{"node": "n1", "gpus": [3]}]}]}"#,
            "jobs[0].placement[0].gpus[0]"
        ),
        (
            "placement GPU held twice",
            #"{"nodes": [{"name": "n1", "gpus": 4}], "jobs": [{"name": "a", "placement": [{"node": "n1", "gpus": [2]}]}, {"name": "b", "placement": [{"node": "n1", "gpus": [2]}]}]}"#,
            "jobs[1].placement[0].gpus[0]"
        ),
        (
            "unknown node", #"{"nodes": [], "jobs": [{"name": "a", "placement": [{"node": "n9", "gpus": [0]}]}]}"#,
            "jobs[0].placement[0].node"
        ),
        ("speedup key", #"{"nodes": [], "jobs": [{"name": "a", "speedup": {"x": 2}}]}"#, "jobs[0].speedup.x"),
        ("speedup key spelled twice", #"{"nodes": [], "jobs": [{"name": "a", "speedup": {"2": 1.5, "02": 1.9}}]}"#, "jobs[0].speedup.02"),
        ("speedup value", #"{"nodes": [], "jobs": [{"name": "a", "speedup": {"3": -1}}]}"#, "jobs[0].speedup.3"),
        ("unknown policy", #"{"policy": "lottery", "nodes": [], "jobs": []}"#, "policy"),
        ("malformed JSON", #"{"nodes": ["#, "(document)"),
        ("missing field", #"{"jobs": []}"#, "nodes"),
        ("missing job name", #"{"nodes": [], "jobs": [{"minWorkers": 1}]}"#, "jobs[0].name"),
    ])
    func badInputExitsTwo(label: String, json: String, field: String) throws {
        let result = try runCmd(["allocate"], input: Data(json.utf8))
        #expect(result.status == 2, "\(label)")
        #expect(result.stdout.isEmpty, "\(label): \(String(decoding: result.stdout, as: UTF8.self))")
        let body = try JSONDecoder().decode([String: String].self, from: result.stderr)
        #expect(body["field"] == field, "\(label): \(body)")
        #expect(body["error"]?.isEmpty == false, "\(label)")
        #expect(Set(body.keys) == ["error", "field"])
    }

    /// An unknown policy given on the command line is refused the same way.
    @Test func unknownPolicyOptionExitsTwo() throws {
        let result = try runCmd(["allocate", "--policy", "lottery"], input: Data(specExample.utf8))
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let body = try JSONDecoder().decode([String: String].self, from: result.stderr)
        #expect(body["field"] == "policy")
    }
}
