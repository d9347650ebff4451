/// Turns worker counts into nodes and GPU indices.
///
/// - A job whose count is unchanged keeps its GPUs.
/// - A shrinking job keeps its largest groups and gives up the rest.
/// - A growing job keeps its workers and adds beside them (its own nodes first).
/// - A new job goes on as few nodes as possible, best fit: the fullest node
///   that takes all its remaining workers, else the emptiest.
/// - When free GPUs are too fragmented for a new job's gang minimum (workers
///   of several GPUs never span nodes), jobs of unchanged count are moved to
///   other nodes to make room, and each move is listed with the job it unblocked.
/// Counts that still cannot be placed are lowered (never below the minimum;
/// otherwise to 0 and reported as fragmented).
struct Placer {
    struct Result {
        var counts: [Int]
        var placements: [[NodeGPUs]]
        var moves: [Move]
        /// Jobs left without workers because free GPUs were fragmented.
        var fragmented: Set<Int>
    }

    private let problem: AllocationProblem
    private let nodeNames: [String]
    /// Each node's position in name order: ties between nodes go to the
    /// first name, compared as integers.
    private let nodeRank: [Int]
    /// Free GPU indices per node, ascending.
    private var free: [[Int]]
    /// The nodes by free GPUs, kept in step with `free`.
    private var rooms: NodeRooms
    /// Per job, the GPUs held this round on each node.
    private var holdings: [JobHoldings]
    /// Jobs holding exactly the placement their snapshot gives, in the
    /// contract's order: written back as given instead of rebuilt.
    private var untouched: [Bool]
    private var counts: [Int]
    private var movedFrom: [Int: [NodeGPUs]] = [:]
    private var moveReason: [Int: String] = [:]

    private init(problem: AllocationProblem, counts: [Int]) {
        self.problem = problem
        nodeNames = problem.snapshot.nodes.map { $0.name }
        let names = nodeNames
        var rank = Array(names.indices)
        if !zip(names, names.dropFirst()).allSatisfy({ $0 < $1 }) {
            for (position, node) in names.indices.sorted(by: { names[$0] < names[$1] }).enumerated() {
                rank[node] = position
            }
        }
        nodeRank = rank
        // Usually already sorted: share the snapshot's array instead of copying it.
        free = problem.snapshot.nodes.map { node in
            Self.ascending(node.availableGpus)
        }
        rooms = NodeRooms(rooms: free.map(\.count), ranks: rank)
        holdings = Array(repeating: JobHoldings(), count: problem.jobs.count)
        untouched = Array(repeating: false, count: problem.jobs.count)
        self.counts = counts
    }

    /// Places `counts`, serving growing and new jobs in `order`.
    static func place(_ problem: AllocationProblem, counts: [Int], order: [Int]) -> Result {
        var placer = Placer(problem: problem, counts: counts)
        placer.keepCurrentGPUs()
        var fragmented = Set<Int>()
        // A job running below its minimum (the snapshot's, not a round's doing)
        // grows to it before anyone else takes the GPUs.
        var sequence = order
        if problem.jobs.contains(where: \.isBelowMinimum) {
            let below = problem.jobs.map(\.isBelowMinimum)
            sequence = order.filter { below[$0] } + order.filter { !below[$0] }
        }
        for index in sequence where placer.counts[index] > problem.jobs[index].current {
            let job = problem.jobs[index]
            let wanted = placer.counts[index] - job.current
            let placed = placer.fill(index, workers: wanted)
            if job.current == 0 && placed < job.minWorkers {
                placer.release(index)
                if !placer.makeRoom(for: index) {
                    placer.counts[index] = 0
                    fragmented.insert(index)
                }
            } else if job.current + placed < job.minWorkers && problem.snapshot.jobs[index].preemptible {
                // Never below a minimum: a job that cannot reach it stops.
                placer.release(index)
                placer.counts[index] = 0
                fragmented.insert(index)
            } else {
                // A non-preemptible job left below its minimum is refused by `Allocator`.
                placer.counts[index] = job.current + placed
            }
        }
        return placer.result(fragmented: fragmented)
    }

    private mutating func keepCurrentGPUs() {
        // One flat bitmap by node and GPU index: no hashing or allocation per node.
        var offsets: [Int] = []
        offsets.reserveCapacity(free.count)
        var total = 0
        for gpus in free {
            offsets.append(total)
            total += (gpus.last ?? -1) + 1
        }
        var kept = [Bool](repeating: false, count: total)
        // Validation looked each group's node up already: its indices need no hashing here.
        var groupStart = 0
        for (index, job) in problem.jobs.enumerated() {
            let placement = problem.snapshot.jobs[index].placement
            defer { groupStart += placement.count }
            guard job.isRunning && counts[index] > 0 else { continue }
            var workersLeft = min(counts[index], job.current)
            // Kept whole, in node order, each group ascending: the snapshot's placement stands as it is.
            var asGiven = counts[index] >= job.current
            var previousRank = -1
            for (position, group) in placement.enumerated() {
                let node = problem.groupNodes[groupStart + position]
                asGiven = asGiven && nodeRank[node] > previousRank && Self.isAscending(group.gpus)
                    && group.node.utf8.elementsEqual(nodeNames[node].utf8)
                previousRank = nodeRank[node]
            }
            untouched[index] = asGiven
            // Largest groups first; most jobs sit on one node: nothing to sort.
            let largestFirst = placement.count < 2 ? nil : placement.indices.sorted {
                placement[$0].gpus.count != placement[$1].gpus.count
                    ? placement[$0].gpus.count > placement[$1].gpus.count : placement[$0].node < placement[$1].node
            }
            for step in placement.indices where workersLeft > 0 {
                let position = largestFirst?[step] ?? step
                let group = placement[position]
                let node = problem.groupNodes[groupStart + position]
                let take = min(workersLeft, group.gpus.count / job.gpusPerWorker)
                let sorted = Self.ascending(group.gpus)
                let gpus = take * job.gpusPerWorker == sorted.count ? sorted : Array(sorted.prefix(take * job.gpusPerWorker))
                holdings[index].add(gpus, on: node)
                for gpu in gpus { kept[offsets[node] + gpu] = true }
                workersLeft -= take
            }
        }
        for node in free.indices where !holdings.isEmpty {
            let offset = offsets[node]
            free[node].removeAll { kept[offset + $0] }
            rooms.update(node, room: free[node].count)
        }
    }

    /// Adds up to `workers` workers to a job; returns how many fit.
    private mutating func fill(_ index: Int, workers: Int, avoiding avoided: Int? = nil) -> Int {
        let size = problem.jobs[index].gpusPerWorker
        var left = workers
        // A new job holds nothing yet: most fills have no own node to try.
        if !holdings[index].isEmpty {
            let ownNodes = holdings[index].groups.map { $0.node }.sorted {
                (free[$0].count, nodeRank[$1]) > (free[$1].count, nodeRank[$0])
            }
            for node in ownNodes where left > 0 && node != avoided {
                left -= take(min(left, free[node].count / size), on: node, for: index)
            }
        }
        while left > 0 {
            // Best fit: the fullest node that takes all that is left, else the emptiest.
            let all = left.multipliedReportingOverflow(by: size)
            let fitting = all.overflow ? nil : rooms.fullest(atLeast: max(all.partialValue, size), avoiding: avoided)
            guard let node = fitting ?? rooms.emptiest(atLeast: size, avoiding: avoided) else { break }
            left -= take(min(left, free[node].count / size), on: node, for: index)
        }
        return workers - left
    }

    private mutating func take(_ workers: Int, on node: Int, for index: Int) -> Int {
        // Taking nothing must not leave an empty group in the placement.
        guard workers > 0 else { return 0 }
        // Copied out before the node's list shrinks: a slice would still
        // share its buffer, and removing from it would copy the whole list.
        let gpus = Array(free[node][..<min(workers * problem.jobs[index].gpusPerWorker, free[node].count)])
        holdings[index].add(gpus, on: node)
        untouched[index] = false
        free[node].removeFirst(gpus.count)
        rooms.update(node, room: free[node].count)
        return workers
    }

    private mutating func release(_ index: Int) {
        for group in holdings[index].groups {
            free[group.node] = (free[group.node] + group.gpus).sorted()
            rooms.update(group.node, room: free[group.node].count)
        }
        holdings[index] = JobHoldings()
        untouched[index] = false
    }

    /// Moves jobs of unchanged count off crowded nodes until the new job
    /// `index` reaches its count, or at least its minimum; undoes all on failure.
    private mutating func makeRoom(for index: Int) -> Bool {
        let saved = self
        let job = problem.jobs[index]
        var placed = 0
        let movable = problem.jobs.indices.filter { other in
            let candidate = problem.jobs[other]
            return other != index && candidate.isRunning && counts[other] == candidate.current
                && problem.snapshot.jobs[other].preemptible && !candidate.recentlyResized
        }
        let nodesByRoom = free.indices.sorted { a, b in
            let roomA = free[a].count + movable.reduce(0) { $0 + (holdings[$1][a]?.count ?? 0) }
            let roomB = free[b].count + movable.reduce(0) { $0 + (holdings[$1][b]?.count ?? 0) }
            return roomA != roomB ? roomA > roomB : nodeNames[a] < nodeNames[b]
        }
        for node in nodesByRoom where placed < counts[index] {
            let occupants = movable.filter { holdings[$0][node] != nil }
                .sorted { (holdings[$0][node]!.count, problem.snapshot.jobs[$0].name) < (holdings[$1][node]!.count, problem.snapshot.jobs[$1].name) }
            for occupant in occupants where free[node].count < job.gpusPerWorker * (counts[index] - placed) {
                relocate(occupant, off: node, unblocking: problem.snapshot.jobs[index].name)
            }
            placed += take(min(counts[index] - placed, free[node].count / job.gpusPerWorker), on: node, for: index)
        }
        if placed >= job.minWorkers {
            counts[index] = placed
            return true
        }
        self = saved
        return false
    }

    /// Moves `occupant`'s workers on `node` elsewhere, if they all fit elsewhere.
    private mutating func relocate(_ occupant: Int, off node: Int, unblocking blocked: String) {
        let before = self
        let original = placement(of: occupant)
        let gpus = holdings[occupant].remove(node: node)!
        untouched[occupant] = false
        let workers = gpus.count / problem.jobs[occupant].gpusPerWorker
        if fill(occupant, workers: workers, avoiding: node) < workers {
            self = before
            return
        }
        free[node] = (free[node] + gpus).sorted()
        rooms.update(node, room: free[node].count)
        if movedFrom[occupant] == nil { movedFrom[occupant] = original }
        moveReason[occupant] = "moved to free whole GPUs for \(blocked)"
    }

    private func placement(of index: Int) -> [NodeGPUs] {
        let held = holdings[index].groups
        if held.isEmpty { return [] }
        // Node ranks order as the names do, without comparing strings; most
        // jobs hold one node or none, which need no sort at all.
        let groups = held.count < 2 ? held : held.sorted { nodeRank[$0.node] < nodeRank[$1.node] }
        return groups.map { NodeGPUs(node: nodeNames[$0.node], gpus: Self.ascending($0.gpus)) }
    }

    /// `gpus` in ascending order, shared rather than copied when already sorted.
    private static func ascending(_ gpus: [Int]) -> [Int] {
        isAscending(gpus) ? gpus : gpus.sorted()
    }

    private static func isAscending(_ gpus: [Int]) -> Bool {
        zip(gpus, gpus.dropFirst()).allSatisfy { $0 < $1 }
    }

    private func result(fragmented: Set<Int>) -> Result {
        let placements = problem.jobs.indices.map { untouched[$0] ? problem.snapshot.jobs[$0].placement : placement(of: $0) }
        let moves = movedFrom.keys.sorted { problem.snapshot.jobs[$0].name < problem.snapshot.jobs[$1].name }.map { index in
            Move(job: problem.snapshot.jobs[index].name, from: movedFrom[index]!, to: placements[index], reason: moveReason[index]!)
        }
        return Result(counts: counts, placements: placements, moves: moves, fragmented: fragmented)
    }
}
