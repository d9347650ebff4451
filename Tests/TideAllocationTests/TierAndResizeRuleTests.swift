import Foundation
import Testing
import TideAllocation

/// Strict priority tiers and the resize interval, on the cases a review of
/// the contract found broken (each failed on the code before its fix).
@Suite struct TierAndResizeRuleTests {
    /// One round of `policy` on the snapshot `json` (without its policy), checked against every invariant.
    static func round(_ policy: String, _ json: String) throws -> AllocationDecision {
        var snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        snapshot.policy = policy
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty, "\(policy): \(violations(snapshot, decision))")
        return decision
    }

    /// A lower-priority job resized 20 s ago holds every GPU; a higher-priority one needs them all.
    static let recentLowerTierHoldsAll = """
        {"now": 1000, "minResizeInterval": 60, "nodes": [{"name": "n1", "gpus": 4}],
         "jobs": [
          {"name": "low", "minWorkers": 1, "maxWorkers": 4, "priority": 0, "submitTime": 0,
           "firstStartTime": 10, "lastResizeTime": 980, "placement": [{"node": "n1", "gpus": [0, 1, 2, 3]}]},
          {"name": "high", "minWorkers": 4, "maxWorkers": 4, "priority": 5, "submitTime": 900}]}
        """

    /// `ffdl-optimizer` fixed recently resized jobs whatever their tier.
    @Test(arguments: Allocator.policyNames)
    func aRecentlyResizedJobMakesWayForAHigherPriority(policy: String) throws {
        let decision = try Self.round(policy, Self.recentLowerTierHoldsAll)
        #expect(decision.workers("high") == 4, "\(policy): \(decision.pending)")
        #expect(decision.workers("low") == 0)
    }

    /// `a` was resized 20 s ago; `b` of its tier claims 2. Only a gang minimum may take `a`'s GPUs:
    /// the elastic policies shrink it by one for `b`'s minimum; `tide`, which claims `b`'s width, waits.
    @Test func aRecentlyResizedJobGivesOnlyToAGangMinimum() throws {
        let json = """
            {"now": 1000, "minResizeInterval": 60, "nodes": [{"name": "n1", "gpus": 4}],
             "jobs": [
              {"name": "a", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 0,
               "firstStartTime": 10, "lastResizeTime": 980, "runningSeconds": 990, "remainingSeconds": 7200,
               "placement": [{"node": "n1", "gpus": [0, 1, 2, 3]}]},
              {"name": "b", "minWorkers": 1, "maxWorkers": 2, "requestedWorkers": 2, "submitTime": 900}]}
            """
        let tide = try Self.round("tide", json)
        #expect(tide.workers("a") == 4)
        #expect(tide.pending["b"] == "needs 2 GPUs for its width of 2 workers, 0 free", "\(tide.pending)")
        for policy in ["elastic-fifo", "elastic-srjf", "afs-l"] {
            let elastic = try Self.round(policy, json)
            #expect(elastic.workers("a") == 3 && elastic.workers("b") == 1, "\(policy): \(elastic.allocations)")
        }
    }

    /// A non-preemptible job below its requested width (its maximum was raised)
    /// runs at that width under a rigid policy once GPUs are free, unless it was resized just now.
    @Test(arguments: ["fifo", "srjf", "tiresias"])
    func aRigidPolicyWidensANonPreemptibleJobToItsRequestedWidth(policy: String) throws {
        func json(lastResize: Int) -> String {
            """
            {"now": 10000, "minResizeInterval": 60, "nodes": [{"name": "n1", "gpus": 8}],
             "jobs": [{"name": "np", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "preemptible": false,
               "submitTime": 0, "firstStartTime": 10, "lastResizeTime": \(lastResize), "placement": [{"node": "n1", "gpus": [0, 1]}]}]}
            """
        }
        #expect(try Self.round(policy, json(lastResize: 10)).workers("np") == 4)
        #expect(try Self.round(policy, json(lastResize: 9990)).workers("np") == 2)
    }

    /// `j2`'s claim stops `j0` (resized 10 s ago, at 2 workers, of a lower tier), which frees one
    /// GPU more than `j2` needs: `j0` runs again on it at its width of 1 instead of the lower `j1`.
    @Test(arguments: Allocator.policyNames)
    func aJobStoppedForMoreThanTheClaimNeededRunsAgainBeforeALowerTier(policy: String) throws {
        let json = """
            {"now": 10000, "minResizeInterval": 60, "nodes": [{"name": "n0", "gpus": 4}],
             "jobs": [
              {"name": "j0", "minWorkers": 1, "maxWorkers": 2, "requestedWorkers": 1, "priority": 1, "submitTime": 0,
               "firstStartTime": 5000, "lastResizeTime": 9990, "placement": [{"node": "n0", "gpus": [0, 1]}]},
              {"name": "j1", "minWorkers": 1, "maxWorkers": 1, "priority": 0, "submitTime": 0},
              {"name": "j2", "minWorkers": 3, "maxWorkers": 3, "priority": 2, "submitTime": 0}]}
            """
        let decision = try Self.round(policy, json)
        #expect(decision.workers("j2") == 3)
        #expect(decision.workers("j0") == 1, "\(policy): \(decision.allocations)")
        #expect(decision.workers("j1") == 0)
    }

    /// A claim takes from the lowest tier it can: `j0`'s 2-GPU worker stops the
    /// lowest-priority `j2`, not `j1` of the tier between, although `j1` (days
    /// left, slow at 3 workers) loses least by it.
    @Test(arguments: Allocator.policyNames)
    func aClaimTakesFromTheLowestTierFirst(policy: String) throws {
        let json = """
            {"now": 10000, "minResizeInterval": 60,
             "nodes": [{"name": "n0", "gpus": 1}, {"name": "n1", "gpus": 4}],
             "jobs": [
              {"name": "j0", "minWorkers": 1, "maxWorkers": 1, "gpusPerWorker": 2, "priority": 2, "submitTime": 0},
              {"name": "j1", "minWorkers": 3, "maxWorkers": 3, "priority": 1, "submitTime": 0, "firstStartTime": 5000,
               "runningSeconds": 5000, "remainingSeconds": 500000, "speedup": {"1": 1, "3": 1.2}, "measuredWorkers": [3],
               "placement": [{"node": "n0", "gpus": [0]}, {"node": "n1", "gpus": [0, 1]}]},
              {"name": "j2", "minWorkers": 1, "maxWorkers": 1, "priority": 0, "submitTime": 0, "firstStartTime": 5000,
               "runningSeconds": 5000, "remainingSeconds": 600, "placement": [{"node": "n1", "gpus": [2]}]}]}
            """
        let decision = try Self.round(policy, json)
        #expect(decision.workers("j0") == 1, "\(policy): \(decision.pending)")
        #expect(decision.workers("j1") == 3, "\(policy): \(decision.allocations)")
        #expect(decision.workers("j2") == 0)
    }

    /// A lower tier's gang minimum does not shrink a job of a higher tier, even one above its
    /// minimum. (The elastic policies and `afs-l` give every job its minimum before any spare
    /// worker, whatever its tier: that is their rule, and no job waits there.)
    @Test(arguments: ["fifo", "srjf", "tiresias", "ffdl-optimizer", "tide"])
    func aLowerTierTakesNothingFromAHigherOne(policy: String) throws {
        let json = """
            {"now": 10000, "minResizeInterval": 60, "nodes": [{"name": "n1", "gpus": 4}],
             "jobs": [
              {"name": "high", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "priority": 1, "submitTime": 0,
               "firstStartTime": 100, "runningSeconds": 9900, "remainingSeconds": 90000,
               "speedup": {"1": 1, "4": 3.9}, "measuredWorkers": [4], "placement": [{"node": "n1", "gpus": [0, 1, 2, 3]}]},
              {"name": "low", "minWorkers": 1, "maxWorkers": 1, "priority": 0, "submitTime": 9000}]}
            """
        let decision = try Self.round(policy, json)
        #expect(decision.workers("high") == 4, "\(policy): \(decision.allocations)")
        #expect(decision.pending["low"] != nil)
    }

    /// `tide` keeps the free GPU that the waiting higher-priority `hi-b` needs from
    /// the lower `lo`, which would only be stopped for it again, and says why.
    @Test func tideKeepsFreeGPUsAHigherTierWaitsFor() throws {
        let json = """
            {"now": 1000, "minResizeInterval": 60, "nodes": [{"name": "n1", "gpus": 4}],
             "jobs": [
              {"name": "hi-a", "minWorkers": 1, "maxWorkers": 3, "requestedWorkers": 3, "priority": 1, "submitTime": 0},
              {"name": "hi-b", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "priority": 1, "submitTime": 1},
              {"name": "lo", "minWorkers": 1, "maxWorkers": 1, "priority": 0, "submitTime": 2}]}
            """
        let decision = try Self.round("tide", json)
        #expect(decision.workers("hi-a") == 3)
        #expect(decision.pending["hi-b"] == "needs 4 GPUs for its width of 4 workers, 1 free")
        #expect(
            decision.pending["lo"] == "needs 1 GPU, 1 free but kept for jobs ahead of it (1 higher-priority job runs first)",
            "\(decision.pending)")
    }

    /// Rigid `r` waits for three 2-GPU workers; 6 GPUs are free, one per node slot:
    /// the reason says they are spread, not "needs 6 GPUs, 6 free".
    @Test(arguments: ["fifo", "srjf", "tiresias"])
    func aRigidJobBlockedBySpreadGPUsSaysSo(policy: String) throws {
        let json = """
            {"now": 1000, "minResizeInterval": 60, "nodes": [{"name": "n1", "gpus": 4}, {"name": "n2", "gpus": 4}],
             "jobs": [
              {"name": "x", "minWorkers": 2, "maxWorkers": 2, "submitTime": 0, "firstStartTime": 10,
               "placement": [{"node": "n1", "gpus": [0]}, {"node": "n2", "gpus": [0]}]},
              {"name": "r", "minWorkers": 1, "maxWorkers": 3, "requestedWorkers": 3, "gpusPerWorker": 2, "submitTime": 900}]}
            """
        let decision = try Self.round(policy, json)
        #expect(decision.pending["r"] == "needs 6 GPUs in 2-GPU workers, 6 free but spread over nodes", "\(decision.pending)")
    }
}
