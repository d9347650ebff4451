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
        /// order with a lower threshold (`mayStop` must respect this).
        var stopThreshold: (Int) -> Double = { _ in 0 }
        /// Whether admitting this job may stop some softly held job (a cheap upper bound of `mayStop`).
        var mayStopAny: (Int) -> Bool = { _ in false }

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

        /// Rigid policies run a job at its admission width or not at all.
        var isRigid: Bool { spareGain == nil }
    }

    private enum Hold { case none, hard, recent, soft }

    let problem: AllocationProblem
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
    private var holds: [Hold]
    private var position: [Int]
    /// Held jobs in the order GPUs are reclaimed from them.
    private var holdersLastFirst: [Int] = []
    /// GPUs held above minimums that another job's gang minimum may take.
    private var shrinkableGPUs = 0
    private var lowestHeldPriority = Int.max
    private var wholeWorkersBySize: [Int: Int] = [:]
    /// Claims that failed, per priority: a later claim of as much, whose
    /// stop threshold is as high (it may stop no more jobs), fails too.
    private var failedClaims: [Int: [(threshold: Double, need: Int)]] = [:]
    /// Jobs that gave up GPUs this round: they do not take spare ones back.
    private var shrunk: [Bool]

    init(problem: AllocationProblem) {
        self.problem = problem
        sizes = problem.jobs.map(\.gpusPerWorker)
        minimums = problem.jobs.map(\.minWorkers)
        priorities = problem.jobs.map(\.priority)
        counts = Array(repeating: 0, count: problem.jobs.count)
        free = problem.capacity
        holds = Array(repeating: .none, count: problem.jobs.count)
        position = Array(repeating: 0, count: problem.jobs.count)
        shrunk = Array(repeating: false, count: problem.jobs.count)
    }

    /// Runs the three phases and returns the worker count of every job.
    static func plan(_ problem: AllocationProblem, rules: PlanRules) -> [Int] {
        var planner = WorkerCountPlanner(problem: problem)
        for (rank, index) in rules.order.enumerated() { planner.position[index] = rank }
        planner.soonFree = rules.soonFreeGPUs
        planner.placeHolds(rules)
        for index in rules.order where planner.holds[index] == .none {
            planner.admit(index, rules: rules)
        }
        if let gain = rules.spareGain { planner.handOutSpare(rules: rules, gain: gain) }
        return planner.counts
    }

    private mutating func placeHolds(_ rules: PlanRules) {
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
                if holds[index] != .hard && !rules.isRigid {
                    shrinkableGPUs += max(counts[index] - job.minWorkers, 0) * job.gpusPerWorker
                }
            }
        }
        let held = problem.jobs.indices.filter { holds[$0] != .none }
        if let cost = rules.reclaimCost {
            let costs = held.map { cost($0, counts[$0]) }
            holdersLastFirst = held.indices.sorted { costs[$0] != costs[$1] ? costs[$0] < costs[$1] : position[held[$0]] > position[held[$1]] }
                .map { held[$0] }
        } else {
            holdersLastFirst = held.sorted { position[$0] > position[$1] }
        }
    }

    private mutating func admit(_ index: Int, rules: PlanRules) {
        let job = problem.jobs[index]
        let width = min(rules.admissionWidth(index), problem.workerCaps[index])
        let size = job.gpusPerWorker
        // Workers never span nodes: a width the nodes cannot hold in whole
        // workers is never admitted (nor allowed to reclaim anyone's GPUs).
        guard job.minWorkers <= width, width <= wholeWorkers(size), size <= problem.largestNode else { return }
        if !tryAdmit(index, width: width, rules: rules) && rules.reserveForWaiting {
            waitingNeed += width * size
        }
    }

    /// Admits a job that fits the nodes, from free GPUs or by reclaiming held ones.
    private mutating func tryAdmit(_ index: Int, width: Int, rules: PlanRules) -> Bool {
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
        // Most blocked jobs can neither shrink nor stop anyone: say no without a scan.
        guard free + shrinkableGPUs >= need || mayStop else { return false }
        // What holds can give only falls as admission goes on, and later jobs
        // of a tier may stop no more than earlier ones: a claim that failed
        // fails again for as much or more under a threshold as high.
        let threshold = rules.stopThreshold(index)
        if failedClaims[job.priority, default: []].contains(where: { $0.threshold <= threshold && $0.need <= need }) {
            return false
        }
        guard reclaim(need, for: index, rules: rules, stopping: mayStop) else {
            failedClaims[job.priority, default: []].append((threshold, need))
            return false
        }
        take(width, for: index)
        return true
    }

    private mutating func wholeWorkers(_ size: Int) -> Int {
        if let known = wholeWorkersBySize[size] { return known }
        let count = problem.wholeWorkers(gpusPerWorker: size)
        wholeWorkersBySize[size] = count
        return count
    }

    private mutating func take(_ workers: Int, for index: Int) {
        counts[index] = workers
        free -= workers * sizes[index]
    }

    /// Frees `need` GPUs from holds for `claimant`, in reclaim order:
    /// borrowed GPUs (above a job's owned width) all at once, then shrinks to
    /// minimums, then stops. Changes nothing when it cannot.
    private mutating func reclaim(_ need: Int, for claimant: Int, rules: PlanRules, stopping: Bool) -> Bool {
        var floors: [(holder: Int, floor: Int)] = []
        var reclaimable = free, byShrinking = free
        // Shrinking others beats stopping one: look on while shrinks alone could still do.
        let shrinksCanDo = free + shrinkableGPUs >= need
        for holder in holdersLastFirst where counts[holder] > 0 && holder != claimant {
            let floor = lowestCount(holder, for: claimant, rules: rules)
            if floor < counts[holder] {
                floors.append((holder, floor))
                reclaimable += (counts[holder] - floor) * sizes[holder]
                byShrinking += (counts[holder] - max(floor, min(counts[holder], minimums[holder]))) * sizes[holder]
                if byShrinking >= need || (!shrinksCanDo && reclaimable >= need) { break }
            }
        }
        guard reclaimable >= need else { return false }
        for pass in 0..<3 {
            for (holder, floor) in floors where free < need {
                let owned = max(rules.ownedWidth(holder), minimums[holder])
                switch pass {
                case 0 where counts[holder] > owned && owned >= floor:
                    // One restart returns everything borrowed, room for the next newcomers too.
                    shrink(holder, to: owned, rules: rules)
                case 1:
                    while counts[holder] > max(floor, minimums[holder]) && free < need {
                        shrink(holder, to: counts[holder] - 1, rules: rules)
                    }
                case 2 where floor == 0:
                    shrink(holder, to: 0, rules: rules)
                default:
                    break
                }
            }
        }
        return free >= need
    }

    private mutating func shrink(_ holder: Int, to workers: Int, rules: PlanRules) {
        if !rules.isRigid {
            shrinkableGPUs -= (max(counts[holder] - minimums[holder], 0) - max(workers - minimums[holder], 0)) * sizes[holder]
        }
        free += (counts[holder] - workers) * sizes[holder]
        counts[holder] = workers
        shrunk[holder] = true
    }

    /// The fewest workers `holder` may keep so that `claimant` can run.
    private func lowestCount(_ holder: Int, for claimant: Int, rules: PlanRules) -> Int {
        let higherPriority = priorities[claimant] > priorities[holder]
        switch holds[holder] {
        case .none:
            return counts[holder]
        case .hard:
            return problem.jobs[holder].floor
        case .recent:
            // A rigid job runs at its requested width or not at all.
            if higherPriority { return 0 }
            return rules.isRigid ? counts[holder] : min(counts[holder], minimums[holder])
        case .soft:
            if higherPriority || rules.mayStop(claimant, holder) { return 0 }
            return rules.isRigid ? counts[holder] : min(counts[holder], minimums[holder])
        }
    }

    private mutating func handOutSpare(rules: PlanRules, gain: (Int, Int) -> Double) {
        var tiers: [Int: [Int]] = [:]
        // A recently resized job keeps its count, whatever its hold (a
        // non-preemptible one is held `.hard` but must not grow either).
        for index in rules.order where counts[index] > 0 && holds[index] != .recent && !problem.jobs[index].recentlyResized && !shrunk[index] {
            tiers[problem.jobs[index].priority, default: []].append(index)
        }
        for priority in tiers.keys.sorted(by: >) {
            var heap = SpareHeap()
            for index in tiers[priority]! { push(index, into: &heap, rules: rules, gain: gain) }
            while free > waitingNeed, let best = heap.pop() {
                let job = problem.jobs[best.job]
                guard job.gpusPerWorker <= free - waitingNeed else { continue }
                counts[best.job] += 1
                free -= job.gpusPerWorker
                push(best.job, into: &heap, rules: rules, gain: gain)
            }
        }
    }

    private func push(_ index: Int, into heap: inout SpareHeap, rules: PlanRules, gain: (Int, Int) -> Double) {
        let job = problem.jobs[index]
        guard counts[index] < min(job.maxWorkers, rules.growthCap(index), problem.workerCaps[index]) else { return }
        let value = gain(index, counts[index])
        if value > 1e-9 { heap.push(.init(gain: value, rank: position[index], job: index)) }
    }
}

