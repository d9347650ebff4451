import Foundation
import PropertyBased
import Testing
import TideAllocation

/// `tide` lets a newcomer wait for GPUs that are about to free up instead of
/// shrinking a running job, and keeps the GPUs a waiting job needs out of
/// the spare phase.
@Suite(.shrinking) struct TideWaitingTests {
    /// One round of the snapshot `json`, checked against the contract's invariants.
    static func allocate(_ json: String) throws -> AllocationDecision {
        let snapshot = try AllocationCoding.decodeSnapshot(Data(json.utf8))
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty)
        return decision
    }

    /// One 8-GPU node: `long` runs on 4 GPUs with hours left, `ending` on 2
    /// with `endingSeconds` left, 2 GPUs free; `new` (never ran) wants 4.
    func round(endingSeconds: Double) throws -> AllocationDecision {
        let json = """
            {"policy": "tide", "now": 10000, "minResizeInterval": 60,
             "nodes": [{"name": "n1", "gpus": 8}],
             "jobs": [
              {"name": "long", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [0, 1, 2, 3]}], "speedup": {"4": 3.6}, "measuredWorkers": [4],
               "remainingSeconds": 100000},
              {"name": "ending", "minWorkers": 2, "maxWorkers": 2, "requestedWorkers": 2, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [4, 5]}], "speedup": {"2": 2}, "measuredWorkers": [2],
               "remainingSeconds": \(endingSeconds * 2)},
              {"name": "new", "minWorkers": 1, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 9990}
             ]}
            """
        return try Self.allocate(json)
    }

    @Test func newcomerWaitsForGPUsAboutToFree() throws {
        let decision = try round(endingSeconds: 120)
        #expect(decision.workers("long") == 4, "the long job keeps its workers: no restart for a two-minute wait")
        #expect(decision.workers("ending") == 2)
        #expect(decision.workers("new") == 0)
        #expect(decision.pending["new"] != nil)
    }

    @Test func newcomerShrinksALongJobWhenNothingFreesSoon() throws {
        let decision = try round(endingSeconds: 5_000)
        #expect(decision.workers("new") == 4)
        #expect(decision.workers("long") == 2, "the long job gives up two workers for the newcomer")
    }

    /// The GPUs a waiting job needs stay free: the spare phase would have
    /// grown `long` into them, and it would have to shrink again next round.
    @Test func waitingJobsKeepTheirGPUsFromTheSparePhase() throws {
        let json = """
            {"policy": "tide", "now": 10000, "minResizeInterval": 60,
             "nodes": [{"name": "n1", "gpus": 8}],
             "jobs": [
              {"name": "long", "minWorkers": 1, "maxWorkers": 8, "requestedWorkers": 2, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [0, 1]}], "speedup": {"2": 2}, "measuredWorkers": [2],
               "remainingSeconds": 100000},
              {"name": "ending", "minWorkers": 4, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 0,
               "firstStartTime": 100, "lastResizeTime": 100, "runningSeconds": 9900, "restartSeconds": 30,
               "placement": [{"node": "n1", "gpus": [2, 3, 4, 5]}], "speedup": {"4": 4}, "measuredWorkers": [4],
               "remainingSeconds": 400},
              {"name": "new", "minWorkers": 4, "maxWorkers": 4, "requestedWorkers": 4, "submitTime": 9990}
             ]}
            """
        let decision = try Self.allocate(json)
        #expect(decision.workers("new") == 0)
        #expect(decision.workers("long") == 2, "the two free GPUs are kept for the waiting job")
    }

    /// One 8-GPU node: two long jobs shrunk to one worker each, with days
    /// left; `wide` (never ran) wants all 8 GPUs and has waited `waited`.
    /// It may neither shrink them (both at their minimum) nor stop them
    /// (they are the typical jobs, so not 4 times longer than a newcomer).
    func wideRound(waited: Double) throws -> AllocationDecision {
        let longJobs = [("long-a", 0, 300_000.0), ("long-b", 1, 310_000.0)].map { name, gpu, remaining in
            JobSnapshot(
                name: name, maxWorkers: 8, requestedWorkers: 4, firstStartTime: 0, lastResizeTime: 5_000, runningSeconds: 20_000,
                placement: [NodeGPUs(node: "n1", gpus: [gpu])], speedup: ["1": 1, "4": 3.5], measuredWorkers: [1, 4],
                remainingSeconds: remaining)
        }
        let wide = JobSnapshot(name: "wide", maxWorkers: 8, requestedWorkers: 8, submitTime: 20_000 - waited, waitingSeconds: waited)
        let snapshot = AllocationSnapshot(
            policy: "tide", now: 20_000, minResizeInterval: 60, nodes: [NodeSnapshot(name: "n1", gpus: 8)], jobs: longJobs + [wide])
        let decision = try Allocator.allocate(snapshot)
        #expect(violations(snapshot, decision).isEmpty)
        return decision
    }

    @Test func aWideJobWaitsForItsWidthWithinItsBound() throws {
        let decision = try wideRound(waited: 600)
        #expect(decision.workers("wide") == 0)
        #expect(decision.workers("long-a") == 1 && decision.workers("long-b") == 1, "the free GPUs are kept for the waiting job")
    }

    /// Past its bound a waiting job starts on what is free: else the GPUs kept
    /// for it idle until the long jobs finish at one worker (the starvation of
    /// Pollux workload 4 at 48 GPUs).
    @Test func aWideJobPastItsBoundStartsOnWhatIsFree() throws {
        let decision = try wideRound(waited: 1_800)
        #expect(decision.workers("wide") == 6)
        #expect(decision.workers("long-a") == 1 && decision.workers("long-b") == 1)
    }

    /// Over random snapshots: a job that has waited its bound, first in its
    /// tier's wait and of the highest priority, gets workers whenever the
    /// GPUs no running job holds fit its minimum (running jobs' estimates are
    /// dropped, so it never waits for GPUs about to free).
    @Test func aJobPastItsBoundStartsWhenItsMinimumIsFree() async {
        await propertyCheck(count: 1_000, input: SnapshotGenerator.snapshots(policy: "tide")) { generated in
            var snapshot = generated
            guard !snapshot.jobs.isEmpty else { return }
            let top = snapshot.jobs.map(\.priority).max() ?? 0
            for index in snapshot.jobs.indices {
                if snapshot.jobs[index].placement.isEmpty {
                    snapshot.jobs[index].waitingSeconds = min(snapshot.jobs[index].waitingSeconds, 1_799)
                } else {
                    snapshot.jobs[index].remainingSeconds = nil
                }
            }
            var job = snapshot.jobs[0]
            job.placement = []
            job.waitingSeconds = 1_800
            job.priority = top
            job.submitTime = -1
            snapshot.jobs[0] = job
            var held: [String: Set<Int>] = [:]
            for other in snapshot.jobs.dropFirst() {
                for part in other.placement { held[part.node, default: []].formUnion(part.gpus) }
            }
            let fits = snapshot.nodes.reduce(0) { total, node in
                total + node.availableGpus.filter { !(held[node.name]?.contains($0) ?? false) }.count / job.gpusPerWorker
            }
            guard fits >= job.minWorkers else { return }
            guard let decision = try? Allocator.allocate(snapshot) else {
                Issue.record("refused\nsnapshot: \(json(snapshot))")
                return
            }
            #expect(violations(snapshot, decision).isEmpty, "snapshot: \(json(snapshot))")
            #expect(decision.workers(job.name) >= job.minWorkers, "waited its bound, \(fits) workers free\nsnapshot: \(json(snapshot))")
        }
    }
}
