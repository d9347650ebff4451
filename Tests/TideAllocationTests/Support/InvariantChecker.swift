import TideAllocation

/// The policies the spec calls rigid: a job runs at `requestedWorkers` or not at all.
let rigidPolicies: Set<String> = ["fifo", "srjf", "tiresias"]

/// The allocation contract's invariants (SPEC.md, "Allocation contract"),
/// checked independently of the implementation: every broken rule becomes one
/// line naming the job and the rule.
func violations(_ snapshot: AllocationSnapshot, _ decision: AllocationDecision) -> [String] {
    var found: [String] = []
    let jobsByName = Dictionary(snapshot.jobs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let available: [String: Set<Int>] = Dictionary(
        snapshot.nodes.map { ($0.name, Set($0.availableGpus)) }, uniquingKeysWith: { a, _ in a })

    // Every job in exactly one of allocations/pending, and in policyState; no strangers.
    for job in snapshot.jobs {
        let allocated = decision.allocations[job.name] != nil
        let pending = decision.pending[job.name] != nil
        if allocated == pending {
            found.append("\(job.name): in \(allocated ? "both allocations and pending" : "neither allocations nor pending")")
        }
        if decision.policyState[job.name] == nil { found.append("\(job.name): missing from policyState") }
    }
    for name in Set(decision.allocations.keys).union(decision.pending.keys).union(decision.policyState.keys)
    where jobsByName[name] == nil {
        found.append("\(name): in the decision but not in the snapshot")
    }

    // Pending jobs: a reason a user can read.
    for (name, reason) in decision.pending where reason.allSatisfy(\.isWhitespace) {
        found.append("\(name): pending without a reason")
    }

    // Counts and placements; no GPU twice, none outside availableGpus.
    var owner: [String: String] = [:]
    for (name, allocation) in decision.allocations.sorted(by: { $0.key < $1.key }) {
        guard let job = jobsByName[name] else { continue }
        let workers = allocation.workers
        if workers == 0 {
            found.append("\(name): allocated 0 workers (a 0-worker job belongs in pending, without placement)")
            if !allocation.placement.isEmpty { found.append("\(name): 0 workers but a placement") }
        } else if workers < job.minWorkers || workers > job.maxWorkers {
            found.append("\(name): \(workers) workers outside [\(job.minWorkers), \(job.maxWorkers)]")
        }
        // Rigid policies run a job at requestedWorkers, or keep the count it has (a hold).
        if rigidPolicies.contains(snapshot.policy), workers > 0,
            workers != min(job.requestedWorkers, job.maxWorkers), workers != job.currentWorkers
        {
            found.append("\(name): \(workers) workers under rigid \(snapshot.policy), neither its requested \(job.requestedWorkers) nor its current \(job.currentWorkers)")
        }
        let total = allocation.placement.reduce(0) { $0 + $1.gpus.count }
        if total != workers * job.gpusPerWorker {
            found.append("\(name): \(total) GPUs placed for \(workers) workers of \(job.gpusPerWorker) GPUs")
        }
        var nodesSeen = Set<String>()
        for group in allocation.placement {
            if !nodesSeen.insert(group.node).inserted { found.append("\(name): node \(group.node) listed twice") }
            if group.gpus.isEmpty || group.gpus.count % job.gpusPerWorker != 0 {
                found.append(
                    "\(name): \(group.gpus.count) GPUs on \(group.node), not whole \(job.gpusPerWorker)-GPU workers")
            }
            guard let free = available[group.node] else {
                found.append("\(name): placed on unknown node \(group.node)")
                continue
            }
            for gpu in group.gpus {
                if !free.contains(gpu) { found.append("\(name): GPU \(group.node)/\(gpu) is not in availableGpus") }
                let key = "\(group.node)/\(gpu)"
                if let other = owner[key] {
                    found.append("\(name): GPU \(key) also given to \(other)")
                } else {
                    owner[key] = name
                }
            }
        }
    }

    // Rules about change, relative to the snapshot's placements.
    func gpuSet(_ placement: [NodeGPUs]) -> Set<String> {
        Set(placement.flatMap { group in group.gpus.map { "\(group.node)/\($0)" } })
    }
    func current(_ job: JobSnapshot) -> Int {
        job.placement.reduce(0) { $0 + $1.gpus.count } / job.gpusPerWorker
    }
    func newCount(_ job: JobSnapshot) -> Int { decision.allocations[job.name]?.workers ?? 0 }
    let moves = Dictionary(decision.moves.map { ($0.job, $0) }, uniquingKeysWith: { a, _ in a })
    for move in decision.moves {
        if move.reason.allSatisfy(\.isWhitespace) { found.append("\(move.job): move without a reason") }
        guard let job = jobsByName[move.job] else {
            found.append("\(move.job): move of a job not in the snapshot")
            continue
        }
        if gpuSet(move.from) != gpuSet(job.placement) {
            found.append("\(move.job): move's from is not the job's current placement")
        }
        if gpuSet(move.to) != gpuSet(decision.allocations[move.job]?.placement ?? []) {
            found.append("\(move.job): move's to is not the job's new placement")
        }
    }
    // Jobs that gained workers this round, for the recently-resized rule.
    let gainers = snapshot.jobs.filter { newCount($0) > current($0) }
    // GPUs the gang minimums of jobs started this round claim: all that
    // recently resized jobs may give up to jobs of their own tier or below.
    let startedMinimums = snapshot.jobs.filter { current($0) == 0 && newCount($0) > 0 }
        .reduce(0) { $0 + $1.minWorkers * $1.gpusPerWorker }
    var givenByRecent = 0, roundingSlack = 0
    for job in snapshot.jobs {
        let was = current(job), now = newCount(job)
        let oldGPUs = gpuSet(job.placement)
        let newGPUs = gpuSet(decision.allocations[job.name]?.placement ?? [])
        if !job.preemptible && was > 0 && now < min(was, job.maxWorkers) {
            found.append("\(job.name): non-preemptible, ran \(was) workers, now \(now)")
        }
        if was > 0 && now == was && oldGPUs != newGPUs {
            if let move = moves[job.name], !move.reason.isEmpty {
                // Listed with its reason: allowed.
            } else {
                found.append("\(job.name): count unchanged at \(was) but GPUs changed without a listed move")
            }
        }
        if was > 0 && now > was && !oldGPUs.isSubset(of: newGPUs) {
            found.append("\(job.name): grew \(was) -> \(now) but gave up some of its GPUs")
        }
        // Resized less than minResizeInterval ago. Interpretation: a job's start
        // counts as its first resize, so the last change is the later of
        // lastResizeTime and firstStartTime.
        let lastChange = [job.lastResizeTime, job.firstStartTime].compactMap { $0 }.max()
        if was > 0, let lastChange, snapshot.now - lastChange < snapshot.minResizeInterval, now != was {
            if now > was {
                found.append("\(job.name): resized \(snapshot.now - lastChange) s ago, grew \(was) -> \(now)")
            } else if !gainers.contains(where: { $0.priority > job.priority }) {
                if startedMinimums == 0 {
                    found.append(
                        "\(job.name): resized \(snapshot.now - lastChange) s ago, shrank \(was) -> \(now) though no higher-priority job or gang minimum gained workers"
                    )
                }
                givenByRecent += (was - now) * job.gpusPerWorker
                roundingSlack += job.gpusPerWorker - 1
            }
        }
    }
    // Together they give no more than those minimums (a worker of several GPUs may overshoot).
    if givenByRecent > startedMinimums + roundingSlack {
        found.append(
            "recently resized jobs gave up \(givenByRecent) GPUs without a higher-priority claim, more than the \(startedMinimums) of the gang minimums started"
        )
    }

    // Strict tiers: a job waits for none of lower priority. Checked where
    // nodes cannot fragment its workers (one GPU each): the free GPUs and
    // those of lower-priority preemptible jobs must not cover its claim
    // (its requested width under a rigid policy, its minimum under an
    // elastic one; `tide` claims up to its maximum).
    let freeAfter = snapshot.nodes.reduce(0) { $0 + $1.availableGpus.count } - owner.count
    for job in snapshot.jobs where job.gpusPerWorker == 1 && decision.pending[job.name] != nil {
        let claim =
            rigidPolicies.contains(snapshot.policy)
            ? min(job.requestedWorkers, job.maxWorkers) : snapshot.policy == "tide" ? job.maxWorkers : job.minWorkers
        let lower = snapshot.jobs.filter { $0.priority < job.priority && $0.preemptible }
            .reduce(0) { $0 + newCount($1) * $1.gpusPerWorker }
        // Free GPUs may be kept for a higher-priority job that waits.
        let higherWaits = snapshot.jobs.contains { $0.priority > job.priority && decision.pending[$0.name] != nil }
        if lower > 0 && (higherWaits ? 0 : freeAfter) + lower >= claim {
            found.append(
                "\(job.name): pending (claim \(claim)) while \(freeAfter) GPUs are free and lower-priority jobs hold \(lower)")
        }
    }
    return found
}
