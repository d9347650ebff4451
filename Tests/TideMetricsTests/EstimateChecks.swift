import Foundation
import TideAllocation
import TideJobs

/// What every estimate must satisfy, whatever the samples.
enum EstimateChecks {
    /// Problems with `estimate` as the allocator would read it; empty when none.
    static func problems(_ estimate: JobEstimate) -> [String] {
        var problems: [String] = []
        if !estimate.speedup.isEmpty && estimate.speedup["1"] != 1 { problems.append("speedup[1] is \(String(describing: estimate.speedup["1"]))") }
        for (key, value) in estimate.speedup {
            if String(Int(key) ?? -1) != key || Int(key)! < 1 { problems.append("key \(key) is not plain decimal") }
            if !value.isFinite || value <= 0 { problems.append("speedup[\(key)] = \(value)") }
        }
        for value in [estimate.remainingSeconds, estimate.restartSeconds].compactMap({ $0 }) where !value.isFinite || value < 0 {
            problems.append("time \(value)")
        }
        for policy in Allocator.policyNames {
            do {
                _ = try Allocator.allocate(snapshot(estimate, policy: policy))
            } catch {
                problems.append("\(policy) refuses it: \(error)")
            }
        }
        return problems
    }

    /// One job carrying `estimate`, running on two of eight GPUs, as a scheduler would send it.
    static func snapshot(_ estimate: JobEstimate, policy: String) -> AllocationSnapshot {
        AllocationSnapshot(
            policy: policy, now: 1_000, nodes: [NodeSnapshot(name: "n1", gpus: 8)],
            jobs: [
                JobSnapshot(
                    name: "j", minWorkers: 1, maxWorkers: 8, requestedWorkers: 2, firstStartTime: 0, lastResizeTime: 0,
                    runningSeconds: 1_000, restartSeconds: estimate.restartSeconds ?? 30,
                    placement: [NodeGPUs(node: "n1", gpus: [0, 1])], speedup: estimate.speedup,
                    measuredWorkers: estimate.measuredWorkers, remainingSeconds: estimate.remainingSeconds),
                JobSnapshot(name: "k", minWorkers: 1, maxWorkers: 4, submitTime: 10),
            ])
    }
}
