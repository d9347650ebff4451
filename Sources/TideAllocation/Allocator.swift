/// The allocation entry point: snapshot in, decision out, no I/O.
public enum Allocator {
    /// Every policy, by name.
    public static let policies: [String: any AllocationPolicy] = {
        let all: [any AllocationPolicy] = [
            FIFOPolicy(), SRJFPolicy(), TiresiasPolicy(), ElasticFIFOPolicy(), ElasticSRJFPolicy(),
            ElasticTiresiasPolicy(), FfDLOptimizerPolicy(), AFSLPolicy(), TidePolicy(),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()

    /// Policy names, sorted.
    public static var policyNames: [String] { policies.keys.sorted() }

    /// Runs one round. Throws `AllocationInputError` for a snapshot that breaks the contract.
    public static func allocate(_ snapshot: AllocationSnapshot) throws -> AllocationDecision {
        guard let policy = policies[snapshot.policy] else {
            throw AllocationInputError(
                field: "policy", "unknown policy '\(snapshot.policy)'; one of \(policyNames.joined(separator: ", "))")
        }
        var problem = try AllocationProblem(snapshot)
        var plan = policy.plan(problem)
        var placed = Placer.place(problem, counts: plan.counts, order: plan.order)
        // Counting plans in GPUs; placement deals in whole workers on one node
        // each. A growing or new job the placer could not fit is re-planned at
        // what it did get, so nobody is shrunk or stopped for GPUs it cannot
        // use. Caps only fall, so this ends; each round lowers at least one.
        for _ in 0..<problem.jobs.count {
            var lowered = false
            for index in problem.jobs.indices
            where placed.counts[index] < plan.counts[index] && plan.counts[index] > problem.jobs[index].current
                && placed.counts[index] < problem.workerCaps[index]
            {
                problem.workerCaps[index] = placed.counts[index]
                lowered = true
            }
            if !lowered { break }
            plan = policy.plan(problem)
            placed = Placer.place(problem, counts: plan.counts, order: plan.order)
        }
        // A non-preemptible job running below its minimum may be neither stopped nor left
        // there: when its minimum cannot be placed, the snapshot has no valid decision.
        for (index, job) in problem.jobs.enumerated() where placed.counts[index] > 0 && placed.counts[index] < job.minWorkers {
            throw AllocationInputError(
                field: "jobs[\(index)].placement",
                "non-preemptible job '\(snapshot.jobs[index].name)' runs \(job.current) workers, below its minimum of \(job.minWorkers), and the GPUs cannot hold its minimum")
        }
        return decision(problem, plan: plan, placed: placed, rigid: policy.isRigid)
    }

    private static func decision(
        _ problem: AllocationProblem, plan: PolicyPlan, placed: Placer.Result, rigid: Bool
    ) -> AllocationDecision {
        var decision = AllocationDecision(moves: placed.moves)
        let freeAfter = problem.capacity - problem.jobs.indices.reduce(0) {
            $0 + placed.counts[$1] * problem.jobs[$1].gpusPerWorker
        }
        var reasons = PendingReasons(problem, rigid: rigid, running: placed.counts)
        let running = placed.counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        decision.allocations.reserveCapacity(running)
        decision.pending.reserveCapacity(problem.jobs.count - running)
        // Every job has a state: mapping the name table keeps its buckets, so no name is hashed.
        decision.policyState = problem.jobIndexByName.mapValues { plan.state[$0] }
        let anyFragmented = !placed.fragmented.isEmpty
        let waitsFor = plan.waitsFor
        for (index, job) in problem.jobs.enumerated() {
            let name = problem.snapshot.jobs[index].name
            if placed.counts[index] > 0 {
                decision.allocations[name] = JobAllocation(
                    workers: placed.counts[index], placement: placed.placements[index])
            } else {
                let waits = waitsFor?[index] ?? (rigid ? job.rigidWidth : job.minWorkers)
                let fragmented = (anyFragmented && placed.fragmented.contains(index)) || problem.workerCaps[index] < waits
                decision.pending[name] = reasons.explain(job, waitsFor: waits, freeAfter: freeAfter, fragmented: fragmented)
            }
        }
        return decision
    }
}
