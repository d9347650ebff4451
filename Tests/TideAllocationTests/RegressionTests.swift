import Foundation
import Testing
import TideAllocation

/// The minimal snapshots the property tests shrank their failures to, kept
/// as regressions and run under every policy.
@Suite struct RegressionTests {
    static let cases: [(String, String)] = [
        (
            // afs-l, tide: j0 (recent) stopped for higher-priority j1, whose two
            // 4-GPU workers cannot fit on nodes of 5 and 3 GPUs.
            "stopped for a gang that cannot be placed",
            #"{"jobs":[{"firstStartTime":5000,"lastResizeTime":9990,"maxWorkers":1,"minWorkers":1,"name":"j0","placement":[{"gpus":[0],"node":"n0"}],"restartSeconds":0},{"gpusPerWorker":4,"maxWorkers":2,"minWorkers":2,"name":"j1","priority":1,"restartSeconds":0}],"nodes":[{"availableGpus":[0,1,2,3,4],"gpus":5,"name":"n0"},{"availableGpus":[0,1,2],"gpus":3,"name":"n1"}],"now":10000}"#
        ),
        (
            // tiresias: higher-priority j0 wants a second 2-GPU worker; j1 (recent) is
            // stopped for it, but the GPUs freed are one on each node.
            "stopped for a worker that cannot be placed",
            #"{"jobs":[{"firstStartTime":5000,"gpusPerWorker":2,"maxWorkers":2,"minWorkers":1,"name":"j0","placement":[{"gpus":[0,1],"node":"n0"}],"priority":1,"requestedWorkers":2,"restartSeconds":0},{"firstStartTime":5000,"lastResizeTime":9990,"maxWorkers":1,"minWorkers":1,"name":"j1","placement":[{"gpus":[2],"node":"n0"}],"restartSeconds":0}],"nodes":[{"availableGpus":[0,1,2],"gpus":3,"name":"n0"},{"availableGpus":[1],"gpus":2,"name":"n1"}],"now":10000}"#
        ),
        (
            // fifo, srjf, tiresias, afs-l, elastic-*: j0 (recent) shrunk 2 -> 1 for j1's 4-GPU worker, which fits nowhere.
            "shrunk for a worker that cannot be placed",
            #"{"jobs":[{"firstStartTime":5000,"lastResizeTime":9990,"maxWorkers":2,"minWorkers":1,"name":"j0","placement":[{"gpus":[0,1],"node":"n0"}],"requestedWorkers":1,"restartSeconds":0},{"gpusPerWorker":4,"maxWorkers":1,"minWorkers":1,"name":"j1","priority":1,"restartSeconds":0}],"nodes":[{"availableGpus":[0,1,2,3],"gpus":4,"name":"n0"},{"availableGpus":[0],"gpus":1,"name":"n1"}],"now":10000}"#
        ),
        (
            // tide: same priority, j1's gang minimum of two 2-GPU workers took j0 (recent) down to 1, then did not fit.
            "shrunk for a gang minimum that cannot be placed",
            #"{"jobs":[{"firstStartTime":5000,"lastResizeTime":9990,"maxWorkers":2,"minWorkers":1,"name":"j0","placement":[{"gpus":[0,1],"node":"n0"}],"requestedWorkers":1,"restartSeconds":0},{"gpusPerWorker":2,"maxWorkers":2,"minWorkers":2,"name":"j1","restartSeconds":0}],"nodes":[{"availableGpus":[0,1],"gpus":2,"name":"n0"},{"availableGpus":[0,1,2],"gpus":3,"name":"n1"}],"now":10000}"#
        ),
        (
            // fifo, srjf, tiresias: j0 (recent, at its requested 4) shrunk to 2 for
            // higher-priority j1 instead of stopped: a rigid job below its width.
            "rigid job shrunk below its width",
            #"{"jobs":[{"firstStartTime":9990,"lastResizeTime":9990,"maxWorkers":4,"minWorkers":1,"name":"j0","placement":[{"gpus":[0,1,2,3],"node":"n0"}],"requestedWorkers":4,"restartSeconds":0},{"maxWorkers":2,"minWorkers":2,"name":"j1","priority":1,"requestedWorkers":2,"restartSeconds":0}],"nodes":[{"availableGpus":[0,1,2,3],"gpus":4,"name":"n0"}],"now":10000}"#
        ),
        (
            // ffdl-optimizer, elastic-fifo: Placer.makeRoom left an empty GPU group in j1's placement.
            "empty placement group",
            #"{"jobs":[{"firstStartTime":5000,"maxWorkers":5,"minWorkers":3,"name":"j0","placement":[{"gpus":[0,2],"node":"n0"},{"gpus":[0],"node":"n1"},{"gpus":[5,6],"node":"n2"}],"requestedWorkers":3,"restartSeconds":0,"speedup":{"1":1,"2":2,"3":3,"4":4,"5":5}},{"gpusPerWorker":2,"maxWorkers":1,"minWorkers":1,"name":"j1","restartSeconds":0}],"nodes":[{"availableGpus":[0,2],"gpus":3,"name":"n0"},{"availableGpus":[0],"gpus":1,"name":"n1"},{"availableGpus":[5,6,7],"gpus":8,"name":"n2"},{"availableGpus":[2],"gpus":3,"name":"n3"}],"now":10000}"#
        ),
    ]

    @Test(arguments: cases)
    func minimalFailuresStayFixed(label: String, json: String) throws {
        for policy in Allocator.policyNames {
            var snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
            snapshot.policy = policy
            let decision = try Allocator.allocate(snapshot)
            let broken = violations(snapshot, decision)
            #expect(broken.isEmpty, "\(label), \(policy): \(broken)")
            for allocation in decision.allocations.values {
                #expect(allocation.placement.allSatisfy { !$0.gpus.isEmpty }, "\(label), \(policy)")
            }
        }
    }
}
