/// The counting half of every policy: who gets how many workers, before placement.
///
/// A policy supplies `PlanRules`; the planner enforces what the contract
/// demands of all of them:
/// 1. holds: a non-preemptible running job keeps its count; a job resized
///    less than `minResizeInterval` ago keeps its count; a policy may also
///    hold running jobs softly (they keep their count unless reclaimed);
/// 2. admission in policy order, each job at its admission width, taking
///    GPUs from holds only as the contract allows: any hold above its
///    minimum may shrink for another job's gang minimum, a recently resized
///    job is stopped only for a higher-priority job, a soft hold whenever
///    the policy says so, a non-preemptible job never;
/// 3. elastic policies then hand spare GPUs out one worker at a time to the
///    job with the best gain per GPU, higher priority tiers first.
struct WorkerCountPlanner {
    /// How one policy wants the planner to treat each job.
    struct PlanRules {
        /// Job indices in policy order, higher priority tiers first.
        var order: [Int]
        /// Workers a job is admitted with: `requestedWorkers` for rigid policies, `minWorkers` for elastic.
        var admissionWidth: (Int) -> Int
        /// Gain per GPU of a job's next worker, or nil for a rigid policy (no spare phase).
        var spareGain: ((Int, Int) -> Double)?
        /// The most workers the spare phase may give a job.
        var growthCap: (Int) -> Int = { _ in Int.max }
        /// Running jobs the policy keeps at their count unless reclaimed.
        var softHold: (Int) -> Bool = { _ in false }
        /// Whether admitting the first job may stop the second, softly held, job.
        var mayStop: (Int, Int) -> Bool = { _, _ in false }
        /// A job may stop no more holds than one of its tier earlier in the
        /// order with a threshold as low (`mayStop` must respect this).
        var stopThreshold: (Int) -> Double = { _ in 0 }
        /// Whether admitting this job may stop some softly held job (a cheap upper bound of `mayStop`).
        var mayStopAny: (Int) -> Bool = { _ in false }
        /// Whether some claimant may stop this softly held job (a cheap upper
        /// bound of `mayStop` over every claimant): claims skip the others.
        var mayBeStopped: (Int) -> Bool = { _ in false }
        /// Claims stop under one of two rules, 0 or 1, whose thresholds do not
        /// compare (`tide`'s long-waiting newcomers): `stopThreshold` orders
        /// claims of one class only, and failed claims and the candidates are
        /// kept per class.
        var stopClass: (Int) -> Int = { _ in 0 }

        /// What a held job loses by giving up its last worker; holds are
        /// reclaimed cheapest first (last in policy order first when nil).
        var reclaimCost: ((Int, Int) -> Double)? = nil
        /// Workers a held job owns; more than this is borrowed spare, returned first.
        var ownedWidth: (Int) -> Int = { _ in Int.max }

        /// GPUs that running jobs are expected to release within moments. A
        /// claim these would cover waits for them rather than shrink or stop
        /// jobs of its own tier: a restart costs more than the short wait.
        var soonFreeGPUs = 0
        /// Whether jobs left waiting keep the free GPUs they need from the
        /// spare phase: else running jobs grow into every GPU that frees up
        /// and a job that cannot reclaim its width waits for ever.
        var reserveForWaiting = false
        /// Whether the spare phase first gives a held job back the workers it
        /// owns (in policy order) before any job grows past its owned width:
        /// else a job shrunk for a newcomer gets them back only when its gain
        /// ranks first, and a long one may wait at its minimum for hours.
        var restoreOwnedFirst = false
        /// The spare phase's gain when no job is left waiting (`spareGain`
        /// otherwise): with nobody to make room for, the rule may aim at
        /// something else than finishing short jobs first.
        var gainWhenNoneWaits: ((Int, Int) -> Double)? = nil
        /// Whether a job that cannot be admitted at its admission width (and
        /// is not waiting for GPUs about to free) starts on the free GPUs
        /// instead, when they hold its minimum, or else on what shrinking the
        /// others to their minimums frees: the bound on a wait. Else a job
        /// wider than what the running jobs may ever give up waits for ever,
        /// and the GPUs kept for it sit idle.
        var admitAtWhatFits: (Int) -> Bool = { _ in false }

        /// Rigid policies run a job at its admission width or not at all.
        var isRigid: Bool { spareGain == nil }
    }

    private enum Hold { case none, hard, recent, soft }

    /// Whether claims are pruned (failed claims implying later failures, candidate holders
    /// kept between claims). The pruning must never change a count: tests plan without it
    /// and compare.
    @TaskLocal static var prunesClaims = true

    let problem: AllocationProblem
    /// Kept on the planner, not passed down: handing the rules (a dozen
    /// closures) to a helper copies them, once per holder per claim.
    private let rules: PlanRules
    /// Whether the rules are rigid, read in the innermost loops.
    private let rigid: Bool
    // Plain copies of the job fields the inner loops read: reading them off
    // `problem.jobs` retains and releases a class instance every time.
    private let sizes: [Int]
    private let minimums: [Int]
    private let priorities: [Int]
    private(set) var counts: [Int]
    private(set) var free: Int
    private var soonFree = 0
    /// GPUs the jobs left waiting need: the spare phase hands out only what is free beyond them.
    private var waitingNeed = 0
    /// The priority of the tier being admitted: claims never take GPUs from a higher one.
    private var tier = Int.max
    /// Holders by priority, highest first, and how many of them are above `tier`.
    private var holdersByPriority: [Int] = []
    private var holdersAbove = 0
    /// Free GPUs that waiting jobs of higher tiers need (`reserveForWaiting`):
    /// taken out of `free` while lower tiers are admitted, so that they do
    /// not start on GPUs a higher tier waits for, to be stopped for it soon.
    private var keptForHigherTiers = 0
    private var holds: [Hold]
    private var position: [Int]
    /// Held jobs in the order GPUs are reclaimed from them.
    private var holdersLastFirst: [Int] = []
    /// GPUs held above minimums that another job's gang minimum may take.
    private var shrinkableGPUs = 0
    /// The part of `shrinkableGPUs` held by recently resized jobs: those keep
    /// their count unless a gang minimum or a higher priority needs the GPUs.
    private var shrinkableRecentGPUs = 0
    /// Whether the claim under way is for a gang minimum (its width is the
    /// claimant's minimum): only such a claim shrinks a recently resized job
    /// of its tier. `tide` claims efficient widths, which may not.
    private var claimIsMinimum = true
    private var lowestHeldPriority = Int.max
    /// Claims that failed, per stop class and per kind (gang minimum or not,
    /// `claimKind`): a later claim of its class and kind of as much, of the same
    /// priority, whose stop threshold is as high (it may stop no more jobs),
    /// fails too.
    private var failedClaims = [FailedClaims(), FailedClaims(), FailedClaims(), FailedClaims()]
    /// `prunesClaims`, read once.
    private let prunes = WorkerCountPlanner.prunesClaims
    /// Jobs that gave up GPUs this round: they do not take spare ones back.
    private var shrunk: [Bool]
    /// Per recently resized job stopped by a claim, the count it had: it
    /// runs again only at that count (it keeps its count or stops).
    private var stoppedRecent: [Int]
    /// Per held job, the workers it owns (at least its minimum): asked of
    /// the rules once, not once per claim.
    private var owned: [Int] = []
    /// The holders some claim may take GPUs from, in reclaim order: a claim
    /// scans these, not the (often far longer) list of every holder.
    private var reclaimableLastFirst: [Int] = []
    /// The holders of `reclaimableLastFirst` that the last claim found able
    /// to give it GPUs, or did not reach, as a list linked through their
    /// positions there: `candidateNext[p]` is the next position still listed
    /// after `p`, the first is `candidateHead`. A later claim of its priority
    /// whose stop threshold is as high may take from no other holder
    /// (`stopThreshold`; counts only fall), so it scans these instead: most
    /// holders give nothing to most claims, and a scan would pass them again
    /// and again. Linked, so that dropping one moves nothing.
    private var candidateNext: [Int] = []
    private var candidateHead = 0
    /// The priority and the stop threshold the candidates hold for.
    private var candidatesFor: (priority: Int, threshold: Double)?
    /// The stop class the candidates hold for.
    private var candidatesClass = 0
    /// Holders above their minimums (hard holds aside), in reclaim order;
    /// those before `shrinkableStart` are down to their minimums.
    private var shrinkableLastFirst: [Int] = []
    private var shrinkableStart = 0
    /// The holders a claim may take GPUs from, and the fewest workers each keeps.
    private var floors: [Floor] = []

    private struct Floor {
        var holder: Int
        var floor: Int
    }

    /// What a claim on held GPUs came to.
    private enum ReclaimOutcome {
        /// Enough GPUs are free for the claim.
        case freed
        /// Too few: holds could give this claim no more than `fromHolds` GPUs
        /// beyond the free ones (nil when not known).
        case short(fromHolds: Int?)
    }

    init(problem: AllocationProblem, rules: PlanRules) {
        self.problem = problem
        self.rules = rules
        rigid = rules.isRigid
        // Closures, not key paths: a key path is applied through the runtime, per job.
        sizes = problem.jobs.map { $0.gpusPerWorker }
        minimums = problem.jobs.map { $0.minWorkers }
        priorities = problem.jobs.map { $0.priority }
        counts = Array(repeating: 0, count: problem.jobs.count)
        free = problem.capacity
        holds = Array(repeating: .none, count: problem.jobs.count)
        position = Array(repeating: 0, count: problem.jobs.count)
        shrunk = Array(repeating: false, count: problem.jobs.count)
        stoppedRecent = Array(repeating: 0, count: problem.jobs.count)
    }

    /// Runs the three phases and returns the worker count of every job.
    static func plan(_ problem: AllocationProblem, rules: PlanRules) -> [Int] {
        var planner = WorkerCountPlanner(problem: problem, rules: rules)
        for (rank, index) in rules.order.enumerated() { planner.position[index] = rank }
        planner.soonFree = rules.soonFreeGPUs
        planner.placeHolds()
        for index in rules.order {
            planner.enterTier(of: index)
            if planner.holds[index] == .none {
                if planner.stoppedRecent[index] > 0 {
                    planner.restoreStopped(index)
                } else {
                    planner.admit(index)
                }
            } else if planner.rigid && planner.holds[index] == .hard {
                planner.widenToRigidWidth(index)
            }
        }
        planner.free += planner.keptForHigherTiers
        if let gain = rules.spareGain {
            let noneWaits = !rules.order.contains { planner.counts[$0] == 0 }
            planner.handOutSpare(gain: noneWaits ? rules.gainWhenNoneWaits ?? gain : gain)
        }
        return planner.counts
    }

    private mutating func placeHolds() {
        for (index, job) in problem.jobs.enumerated() where job.isRunning {
            let kept = min(job.current, job.maxWorkers)
            if job.floor > 0 {
                holds[index] = .hard
                counts[index] = job.floor
            } else if kept >= job.minWorkers && job.recentlyResized {
                holds[index] = .recent
                counts[index] = kept
            } else if kept >= job.minWorkers && rules.softHold(index) {
                holds[index] = .soft
                counts[index] = min(kept, max(rules.growthCap(index), job.minWorkers))
            }
            free -= counts[index] * job.gpusPerWorker
            if holds[index] != .none {
                lowestHeldPriority = min(lowestHeldPriority, job.priority)
                if holds[index] != .hard && !rigid {
                    let aboveMinimum = shrinkable(index)
                    shrinkableGPUs += aboveMinimum
                    if holds[index] == .recent { shrinkableRecentGPUs += aboveMinimum }
                }
            }
        }
        let held = problem.jobs.indices.filter { holds[$0] != .none }
        owned = Array(repeating: 0, count: problem.jobs.count)
        for index in held { owned[index] = max(rules.ownedWidth(index), minimums[index]) }
        // Lowest priority first: a claim takes from the lowest tier it can, as
        // a preemptor picks its victims (a higher-priority holder gives only to
        // gang minimums, but before a lower one it would give for nothing).
        if let cost = rules.reclaimCost {
            // Sorted as plain keys: a comparator that looks each side up costs more than the sort.
            var keys = held.map { (priority: priorities[$0], cost: cost($0, counts[$0]), rank: -position[$0], holder: $0) }
            keys.sort { ($0.priority, $0.cost, $0.rank) < ($1.priority, $1.cost, $1.rank) }
            holdersLastFirst = keys.map(\.holder)
        } else {
            holdersLastFirst = held.sorted { priorities[$0] != priorities[$1] ? priorities[$0] < priorities[$1] : position[$0] > position[$1] }
        }
        // Lowest priority first, reversed: grouped by tier, highest first.
        holdersByPriority = holdersLastFirst.reversed()
        if !rigid {
            shrinkableLastFirst = holdersLastFirst.filter { holds[$0] != .hard && shrinkable($0) > 0 }
        }
        // Counts only fall during admission, so a holder that no claimant
        // could take from now never becomes one: `lowestCount` would give its count.
        let highestPriority = priorities.max() ?? 0
        reclaimableLastFirst = holdersLastFirst.filter { holder in
            guard holds[holder] == .recent || holds[holder] == .soft else { return false }
            return priorities[holder] < highestPriority || (!rigid && shrinkable(holder) > 0)
                || (holds[holder] == .soft && rules.mayBeStopped(holder))
        }
    }

    /// Moves admission to `index`'s tier: the holders of higher tiers are
    /// out of reach from now on, and the free GPUs higher waiting jobs need are kept.
    private mutating func enterTier(of index: Int) {
        let priority = priorities[index]
        guard priority < tier else { return }
        tier = priority
        while holdersAbove < holdersByPriority.count && priorities[holdersByPriority[holdersAbove]] > priority {
            let holder = holdersByPriority[holdersAbove]
            holdersAbove += 1
            guard !rigid, holds[holder] == .recent || holds[holder] == .soft else { continue }
            shrinkableGPUs -= shrinkable(holder)
            if holds[holder] == .recent { shrinkableRecentGPUs -= shrinkable(holder) }
        }
        if rules.reserveForWaiting {
            let kept = min(waitingNeed, free + keptForHigherTiers)
            free -= kept - keptForHigherTiers
            keptForHigherTiers = kept
        }
    }

    /// GPUs `holder` holds above its minimum: what any claim may shrink it by
    /// (a hard hold excepted). Never rises while jobs are admitted.
    private func shrinkable(_ holder: Int) -> Int {
        max(counts[holder] - minimums[holder], 0) * sizes[holder]
    }

    private mutating func admit(_ index: Int) {
        let job = problem.jobs[index]
        let size = job.gpusPerWorker
        guard size <= problem.largestNode else { return }
        let wanted = rules.admissionWidth(index)
        var width = min(wanted, problem.workerCaps[index])
        // An elastic job wider than the cluster starts at what the cluster
        // holds, not never; a rigid one runs at its width or waits (also when
        // placement capped it below that width).
        if rigid && width < wanted { return }
        if !rigid { width = min(width, problem.wholeWorkers(gpusPerWorker: size)) }
        // Workers never span nodes: a width the nodes cannot hold in whole
        // workers is never admitted (nor allowed to reclaim anyone's GPUs).
        guard job.minWorkers <= width, width <= problem.wholeWorkers(gpusPerWorker: size) else { return }
        let soonBefore = soonFree
        guard !tryAdmit(index, width: width) else { return }
        if !rigid && soonFree == soonBefore && rules.admitAtWhatFits(index) {
            let fits = min(width, free / size)
            if fits >= job.minWorkers {
                take(fits, for: index)
                return
            }
            // Not even its minimum is free: what shrinking the others to
            // their minimums gives, as any claim may take. Else running jobs
            // that never shrink below their widths again (none arrives to
            // shrink them, none is stopped for it) keep it out until they end.
            // Recently resized jobs of its tier give only to a gang minimum.
            claimIsMinimum = false
            var reachable = min(width, (free + shrinkableGPUs - shrinkableRecentGPUs) / size)
            if reachable < job.minWorkers && (free + shrinkableGPUs) / size >= job.minWorkers {
                claimIsMinimum = true
                reachable = job.minWorkers
            }
            if reachable >= job.minWorkers && reclaimByShrinking(reachable * size, for: index) {
                take(reachable, for: index)
                return
            }
        }
        if rules.reserveForWaiting {
            waitingNeed += width * size
        }
    }

    /// A recently resized job a claim stopped runs again, at most at its
    /// count, when the GPUs left at its place in the order hold it: at its
    /// count or, rigid, its width; elastic, at what fits of its count.
    private mutating func restoreStopped(_ index: Int) {
        let before = stoppedRecent[index]
        let fits = min(before, problem.workerCaps[index], free / sizes[index])
        var workers = fits
        if rigid && fits < before {
            // Below its count a rigid job runs only at its width.
            let width = problem.jobs[index].rigidWidth
            workers = width <= fits ? width : 0
        }
        if workers >= minimums[index] {
            take(workers, for: index)
        }
    }

    /// A non-preemptible job below its width under a rigid policy (its
    /// maximum or the policy changed under it) runs at that width once the
    /// free GPUs allow: it keeps its count, and the policy runs jobs at their width.
    private mutating func widenToRigidWidth(_ index: Int) {
        let job = problem.jobs[index]
        let width = min(job.rigidWidth, problem.workerCaps[index])
        guard !job.recentlyResized, width == job.rigidWidth, counts[index] < width, free >= (width - counts[index]) * sizes[index] else { return }
        free -= (width - counts[index]) * sizes[index]
        counts[index] = width
    }

    /// Admits a job that fits the nodes, from free GPUs or by reclaiming held ones.
    private mutating func tryAdmit(_ index: Int, width: Int) -> Bool {
        let job = problem.jobs[index]
        let size = job.gpusPerWorker
        if free >= width * size {
            take(width, for: index)
            return true
        }
        let need = width * size
        if job.priority <= lowestHeldPriority && need - free <= soonFree {
            soonFree -= need - free
            return false
        }
        let mayStop = job.priority > lowestHeldPriority || rules.mayStopAny(index)
        claimIsMinimum = width == job.minWorkers
        // Most blocked jobs can neither shrink nor stop anyone: say no without a scan.
        guard free + shrinkableForClaim >= need || mayStop else { return false }
        // What holds can give a claim only falls as admission goes on, and
        // later jobs of a tier may stop no more than earlier ones: a claim
        // fails when one before it found holds giving less than it needs
        // beyond the free GPUs, under a threshold as low. Not its total need:
        // the free GPUs grow when a stop frees more than its claim takes, and
        // an earlier claim may not have been allowed that stop.
        let threshold = rules.stopThreshold(index)
        let stopClass = claimKind(index)
        if prunes, failedClaims[stopClass].implyFailure(priority: job.priority, threshold: threshold, need: need - free) {
            return false
        }
        switch reclaim(need, for: index, threshold: threshold) {
        case .freed:
            take(width, for: index)
            return true
        case .short(let fromHolds):
            if let fromHolds {
                failedClaims[stopClass].record(priority: job.priority, threshold: threshold, need: fromHolds + 1)
            }
            return false
        }
    }

    /// GPUs above minimums the claim under way may shrink holders by, whatever their priority.
    private var shrinkableForClaim: Int {
        claimIsMinimum ? shrinkableGPUs : shrinkableGPUs - shrinkableRecentGPUs
    }

    /// The claim's stop class and whether it is for a gang minimum, as one
    /// index: claims of another kind may reach other holders, so their
    /// failures and candidates are kept apart.
    private func claimKind(_ claimant: Int) -> Int {
        rules.stopClass(claimant) * 2 + (claimIsMinimum ? 1 : 0)
    }

    private mutating func take(_ workers: Int, for index: Int) {
        counts[index] = workers
        free -= workers * sizes[index]
    }

    /// Frees `need` GPUs from holds for `claimant`, in reclaim order:
    /// borrowed GPUs (above a job's owned width) all at once, then shrinks to
    /// minimums, then stops. Changes nothing when it cannot.
    private mutating func reclaim(_ need: Int, for claimant: Int, threshold: Double) -> ReclaimOutcome {
        // Shrinking others beats stopping one: look on while shrinks alone could still do.
        let shrinksCanDo = free + shrinkableForClaim >= need
        if shrinksCanDo && !rigid {
            // Shrinks alone cover `need`, so this does not fail; if it did, what
            // stops could give is not known.
            return reclaimByShrinking(need, for: claimant) ? .freed : .short(fromHolds: nil)
        }
        // One buffer for every claim of the round: a claim may list thousands of holders.
        floors.removeAll(keepingCapacity: true)
        let priority = priorities[claimant]
        // One list for both kinds of claim: a claim for more than a gang
        // minimum keeps the recently resized holders it passes (below).
        let stopClass = rules.stopClass(claimant)
        if prunes, let known = candidatesFor, known.priority == priority, known.threshold <= threshold, candidatesClass == stopClass {
            candidatesFor = (priority, threshold)
        } else {
            candidateNext = Array(1...(reclaimableLastFirst.count + 1))
            candidateHead = 0
            // A NaN threshold orders with nothing: the list then serves this claim alone.
            candidatesFor = threshold.isNaN ? nil : (priority, threshold)
            candidatesClass = stopClass
        }
        var reclaimable = free, byShrinking = free
        // Holders that give this claim nothing are dropped as they are passed.
        var previous = -1, position = candidateHead
        while position < reclaimableLastFirst.count {
            let holder = reclaimableLastFirst[position]
            let next = candidateNext[position]
            let count = counts[holder]
            let floor = count > 0 && holder != claimant ? lowestCount(holder, for: claimant) : count
            if floor < count {
                previous = position
                floors.append(Floor(holder: holder, floor: floor))
                reclaimable += (count - floor) * sizes[holder]
                // A rigid holder is never shrunk, only stopped.
                if !rigid { byShrinking += (count - max(floor, min(count, minimums[holder]))) * sizes[holder] }
                if byShrinking >= need || (!shrinksCanDo && reclaimable >= need) { break }
            } else if count == 0 || (holder != claimant && (claimIsMinimum || holds[holder] != .recent)) {
                if previous < 0 { candidateHead = next } else { candidateNext[previous] = next }
            } else {
                previous = position
            }
            position = next
        }
        // No holder was left unscanned: `reclaimable` is all this claim may reach.
        guard reclaimable >= need else { return .short(fromHolds: reclaimable - free) }
        // Each pass stops as soon as enough is free: nothing after that changes anything.
        for entry in floors {
            guard free < need else { return .freed }
            let owned = owned[entry.holder]
            // A recently resized job gives only what the claim needs (below).
            if counts[entry.holder] > owned && owned >= entry.floor && holds[entry.holder] != .recent {
                // One restart returns everything borrowed, room for the next newcomers too.
                shrink(entry.holder, to: owned)
            }
        }
        for entry in floors where !rigid {
            guard free < need else { return .freed }
            let lowest = max(entry.floor, minimums[entry.holder])
            if counts[entry.holder] > lowest {
                // The fewest single workers that cover what is still missing.
                let size = sizes[entry.holder]
                let workers = min(counts[entry.holder] - lowest, (need - free + size - 1) / size)
                shrink(entry.holder, to: counts[entry.holder] - workers)
            }
        }
        for entry in floors where entry.floor == 0 {
            guard free < need else { return .freed }
            if holds[entry.holder] == .recent { stoppedRecent[entry.holder] = counts[entry.holder] }
            shrink(entry.holder, to: 0)
            // Stopped, it waits like any job: admitted at its place in the
            // order when GPUs are left, before the lower tiers take them.
            holds[entry.holder] = .none
        }
        return free >= need ? .freed : .short(fromHolds: nil)
    }

    /// `reclaim` when shrinks alone can cover `need`, without looking at the
    /// holders that could only be stopped.
    ///
    /// The general scan then ends at the first holder where the GPUs above
    /// minimums, in reclaim order, cover `need`; a holder at its minimum on
    /// the way (listed only because it may be stopped) neither shrinks to its
    /// owned width nor below its minimum, and the shrinks always suffice
    /// before any stop. So only the holders above their minimums matter, and
    /// what they give does not depend on the claimant: one pass over that
    /// (shrinking) list, instead of every holder and a `mayStop` each.
    private mutating func reclaimByShrinking(_ need: Int, for claimant: Int) -> Bool {
        while shrinkableStart < shrinkableLastFirst.count && shrinkable(shrinkableLastFirst[shrinkableStart]) == 0 {
            shrinkableStart += 1
        }
        floors.removeAll(keepingCapacity: true)
        var byShrinking = free
        for holder in shrinkableLastFirst[shrinkableStart...]
        where holder != claimant && holds[holder] != .none && priorities[holder] <= priorities[claimant] {
            if !claimIsMinimum && holds[holder] == .recent { continue }
            let gives = shrinkable(holder)
            guard gives > 0 else { continue }
            floors.append(Floor(holder: holder, floor: minimums[holder]))
            byShrinking += gives
            if byShrinking >= need { break }
        }
        for entry in floors {
            guard free < need else { return true }
            if counts[entry.holder] > owned[entry.holder] && holds[entry.holder] != .recent {
                // One restart returns everything borrowed, room for the next newcomers too.
                shrink(entry.holder, to: owned[entry.holder])
            }
        }
        for entry in floors {
            guard free < need else { return true }
            if counts[entry.holder] > entry.floor {
                let size = sizes[entry.holder]
                let workers = min(counts[entry.holder] - entry.floor, (need - free + size - 1) / size)
                shrink(entry.holder, to: counts[entry.holder] - workers)
            }
        }
        return free >= need
    }

    private mutating func shrink(_ holder: Int, to workers: Int) {
        if !rigid {
            let given = (max(counts[holder] - minimums[holder], 0) - max(workers - minimums[holder], 0)) * sizes[holder]
            shrinkableGPUs -= given
            if holds[holder] == .recent { shrinkableRecentGPUs -= given }
        }
        free += (counts[holder] - workers) * sizes[holder]
        counts[holder] = workers
        shrunk[holder] = true
    }

    /// The fewest workers `holder` may keep so that `claimant` can run.
    // Inlined: called from a mutating method, an outlined call would copy the whole planner per holder.
    @inline(__always)
    private func lowestCount(_ holder: Int, for claimant: Int) -> Int {
        let higherPriority = priorities[claimant] > priorities[holder]
        // Strict tiers: a claim takes nothing from a higher one.
        if priorities[holder] > priorities[claimant] { return counts[holder] }
        switch holds[holder] {
        case .none:
            return counts[holder]
        case .hard:
            return problem.jobs[holder].floor
        case .recent:
            // A rigid job runs at its requested width or not at all.
            if higherPriority { return 0 }
            return rigid || !claimIsMinimum ? counts[holder] : min(counts[holder], minimums[holder])
        case .soft:
            if higherPriority || rules.mayStop(claimant, holder) { return 0 }
            return rigid ? counts[holder] : min(counts[holder], minimums[holder])
        }
    }

    private mutating func handOutSpare(gain: (Int, Int) -> Double) {
        var tiers: [Int: [Int]] = [:]
        // A recently resized job keeps its count, whatever its hold (a
        // non-preemptible one is held `.hard` but must not grow either).
        for index in rules.order where counts[index] > 0 && holds[index] != .recent && !problem.jobs[index].recentlyResized && !shrunk[index] {
            tiers[problem.jobs[index].priority, default: []].append(index)
        }
        for priority in tiers.keys.sorted(by: >) {
            if rules.restoreOwnedFirst { restoreOwned(tiers[priority]!) }
            var heap = SpareHeap()
            for index in tiers[priority]! { push(index, into: &heap, gain: gain) }
            while free > waitingNeed, let best = heap.pop() {
                let job = problem.jobs[best.job]
                guard job.gpusPerWorker <= free - waitingNeed else { continue }
                counts[best.job] += 1
                free -= job.gpusPerWorker
                push(best.job, into: &heap, gain: gain)
            }
        }
    }

    /// Gives held jobs, in policy order, back the workers they own from what
    /// is free beyond the waiting jobs' need, within their growth caps.
    private mutating func restoreOwned(_ tier: [Int]) {
        for index in tier where holds[index] != .none && counts[index] < owned[index] {
            let job = problem.jobs[index]
            let target = min(owned[index], job.maxWorkers, rules.growthCap(index), problem.workerCaps[index])
            guard counts[index] < target else { continue }
            let workers = min(target - counts[index], max(free - waitingNeed, 0) / job.gpusPerWorker)
            counts[index] += workers
            free -= workers * job.gpusPerWorker
        }
    }

    private func push(_ index: Int, into heap: inout SpareHeap, gain: (Int, Int) -> Double) {
        let job = problem.jobs[index]
        guard counts[index] < min(job.maxWorkers, rules.growthCap(index), problem.workerCaps[index]) else { return }
        let value = gain(index, counts[index])
        if value > 1e-9 { heap.push(.init(gain: value, rank: position[index], job: index)) }
    }
}

