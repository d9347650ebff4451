import Foundation
import Testing
import TideAllocation

/// A running job, as JSON for `tideRoundOnOneNode`: on `gpus` of node `n1`
/// since `start`, last resized at `changed`, measured at the widths of
/// `speedup` (`requested` defaults to the widest); `remaining` nil for a job with no estimate;
/// `waited` seconds without workers in all (by default from `submitted` to `start`; it ran the
/// rest of the time since `submitted`).
func runningJob(
    _ name: String, on gpus: [Int], minimum: Int = 1, maximum: Int, requested: Int? = nil, priority: Int = 0,
    preemptible: Bool = true, submitted: Double = 100, start: Double = 100, changed: Double = 100, waited: Double? = nil,
    speedup: [Int: Double], remaining: Double?, madeWay: Bool = false
) -> String {
    let waited = waited ?? start - submitted
    let widths = speedup.keys.sorted()
    let table = widths.map { "\"\($0)\": \(speedup[$0]!)" }.joined(separator: ", ")
    return """
        {"name": "\(name)", "minWorkers": \(minimum), "maxWorkers": \(maximum), "requestedWorkers": \(requested ?? widths.last!),
         "priority": \(priority), "preemptible": \(preemptible),
         "submitTime": \(submitted), "firstStartTime": \(start), "lastResizeTime": \(changed),
         "runningSeconds": \(10_000 - submitted - waited), "waitingSeconds": \(waited), "restartSeconds": 30,
         "placement": [{"node": "n1", "gpus": \(gpus)}], "speedup": {\(table)}, "measuredWorkers": \(widths)\(remaining.map { ", \"remainingSeconds\": \($0)" } ?? "")\(madeWay ? #", "policyState": {"madeWay": true}"# : "")}
        """
}

/// A one-GPU job submitted 10 s before `tideRoundOnOneNode`'s round, never run.
let oneGPUNewcomer = """
    {"name": "new", "minWorkers": 1, "maxWorkers": 1, "requestedWorkers": 1, "submitTime": 9990, "waitingSeconds": 10}
    """

/// One `tide` round at time 10,000 on a single 8-GPU node `n1`; the decision
/// is checked against every invariant of the contract.
func tideRoundOnOneNode(_ jobs: [String]) throws -> AllocationDecision {
    let json = """
        {"policy": "tide", "now": 10000, "minResizeInterval": 60,
         "nodes": [{"name": "n1", "gpus": 8}], "jobs": [\(jobs.joined(separator: ", "))]}
        """
    let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
    let decision = try Allocator.allocate(snapshot)
    #expect(violations(snapshot, decision).isEmpty)
    return decision
}
