import Foundation
import PropertyBased
import TideAllocation
import TideCore
import TideJobs
import TideScheduler
import Testing

/// Rounds of a scheduler without I/O: snapshot from held jobs, the real
/// allocator's decision, the round's plan applied to the records, again.
@Suite(.shrinking) struct RoundPlanPropertyTests {
    struct JobGene: Sendable {
        var min: Int, extra: Int, gpusPerWorker: Int, priority: Int, live: Bool, submit: Int
    }

    static let jobGene = zip(
        zip(Gen.int(in: 1...3), Gen.int(in: 0...4), Gen.int(in: 1...2)),
        zip(Gen.int(in: 0...2), Gen.bool(0.3), Gen.int(in: 0...50))
    ).map { sizes, rest in
        JobGene(min: sizes.0, extra: sizes.1, gpusPerWorker: sizes.2, priority: rest.0, live: rest.1, submit: rest.2)
    }

    static let cases = zip(
        Gen.int(in: 1...8).array(of: 1...4), jobGene.array(of: 1...10), Gen.int(in: 0...1_000).array(of: 6),
        Gen.int(in: 0...3).map { ["tide", "elastic-fifo", "fifo", "afs-l"][$0] })

    /// Applies one round's plan to the held jobs, as the scheduler does.
    static func apply(_ plan: RoundPlan, to jobs: inout [String: ManagedJob], now: Double) {
        for (name, change) in plan.stopsFirst {
            guard var job = jobs[name] else { continue }
            switch change {
            case .stop: job.record.endRun(at: now, gpusPerWorker: job.spec.gpusPerWorker)
            case .restart(let slots):
                job.record.endRun(at: now, gpusPerWorker: job.spec.gpusPerWorker)
                job.record.beginRun(slots, at: now)
            case .shrink(let removing): job.record.workers.removeAll { removing.contains($0.index) }
            default: Issue.record("\(change) among the releases")
            }
            jobs[name] = job
        }
        for (name, change) in plan.startsAfter {
            guard var job = jobs[name] else { continue }
            switch change {
            case .start(let slots): job.record.beginRun(slots, at: now)
            case .grow(let added): job.record.workers += added
            default: Issue.record("\(change) among the starts")
            }
            jobs[name] = job
        }
    }

    @Test func everyRoundLeavesEachJobExactlyOnItsAllocation() async {
        await propertyCheck(count: 400, input: Self.cases) { nodeSizes, genes, events, policy in
            let nodes = nodeSizes.enumerated().map { Fixtures.node("n\($0)", gpus: $1) }
            var jobs: [String: ManagedJob] = [:]
            for (index, gene) in genes.enumerated() {
                let spec = Fixtures.spec(
                    "job-\(index)", min: gene.min, max: gene.min + gene.extra, gpusPerWorker: gene.gpusPerWorker,
                    priority: gene.priority, resize: gene.live ? .live : .restart)
                jobs[spec.name] = Fixtures.job(spec, submitted: Double(gene.submit))
            }
            for (round, event) in events.enumerated() {
                let now = 1_000 + Double(round) * 90
                let snapshot = SnapshotBuilder.snapshot(
                    jobs: Array(jobs.values), nodes: nodes, estimates: [:],
                    round: .init(policy: policy, now: now, minResizeInterval: 60))
                let decision: AllocationDecision
                do {
                    decision = try Allocator.allocate(snapshot)
                } catch {
                    Issue.record("the scheduler's snapshot was refused: \(error)")
                    return
                }
                let before = jobs
                let plan = RoundPlan.plan(decision, jobs: Array(jobs.values))
                Self.apply(plan, to: &jobs, now: now)
                var used = Set<String>()
                for (name, job) in jobs {
                    let slots = job.record.workers
                    if let allocation = decision.allocations[name] {
                        #expect(WorkerSlots.same(WorkerSlots.placement(of: slots), allocation.placement), "\(name) in round \(round)")
                        #expect(slots.count == allocation.workers)
                    } else {
                        #expect(slots.isEmpty, "\(name) pending but holding workers")
                    }
                    #expect(Set(slots.map(\.index)).count == slots.count)
                    #expect(slots.allSatisfy { $0.gpus.count == job.spec.gpusPerWorker })
                    for slot in slots { for gpu in slot.gpus { #expect(used.insert("\(slot.node)/\(gpu)").inserted) } }
                    // Unchanged jobs keep their run; a live resize keeps it too.
                    if plan.changes[name] == nil { #expect(job.record == before[name]!.record) }
                    if case .grow = plan.changes[name] { #expect(job.record.run == before[name]!.record.run) }
                    if case .shrink = plan.changes[name] { #expect(job.record.run == before[name]!.record.run) }
                }
                // Some job finishes between rounds.
                let running = jobs.keys.filter { jobs[$0]!.hasWorkers }.sorted()
                if !running.isEmpty && event % 3 == 0 { jobs[running[event % running.count]] = nil }
            }
        }
    }
}
