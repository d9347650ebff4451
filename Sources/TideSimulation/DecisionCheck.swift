import TideAllocation

/// The invariants the simulator needs from every decision, checked before it
/// is applied: a wrong answer stops the run instead of skewing its figures.
///
/// Runs every round, so it costs time proportional to the jobs and the GPUs
/// handed out, never to the cluster, and hashes no strings but node names.
struct DecisionCheck {
    /// Node name to its position, for the per-GPU ownership check.
    private let nodeIndex: [String: Int]
    private let gpusPerNode: Int
    /// The round that last handed out each GPU (by node × gpusPerNode + GPU), and to whom.
    private var givenInRound: [Int]
    private var givenTo: [String]

    init(nodes: [NodeSnapshot], gpusPerNode: Int) {
        nodeIndex = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.name, $0) })
        self.gpusPerNode = gpusPerNode
        givenInRound = Array(repeating: 0, count: nodes.count * gpusPerNode)
        givenTo = Array(repeating: "", count: nodes.count * gpusPerNode)
    }

    /// Throws the first broken invariant; `jobs` are the round's active jobs
    /// and `round` counts from 1, increasing.
    mutating func check(
        _ decision: AllocationDecision, jobs: some Collection<SimulatedJob>, round: Int, time: Double
    ) throws {
        func fail(_ job: String?, _ message: String) -> SimulationError {
            SimulationError(round: round, time: time, job: job, message: message)
        }
        for job in jobs {
            let allocation = decision.allocations[job.name]
            guard (allocation == nil) != (decision.pending[job.name] == nil) else {
                throw fail(job.name, allocation == nil ? "neither allocated nor pending" : "both allocated and pending")
            }
            guard let allocation else { continue }
            let workers = allocation.workers
            guard workers == 0 || (job.minWorkers...job.maxWorkers).contains(workers) else {
                throw fail(job.name, "\(workers) workers, outside 0 or \(job.minWorkers)...\(job.maxWorkers)")
            }
            let held = allocation.placement.reduce(0) { $0 + $1.gpus.count }
            guard held == workers else {
                throw fail(job.name, "\(workers) workers but \(held) GPUs in its placement")
            }
            for entry in allocation.placement {
                guard let node = nodeIndex[entry.node] else { throw fail(job.name, "placed on unknown node \(entry.node)") }
                for gpu in entry.gpus {
                    guard (0..<gpusPerNode).contains(gpu) else {
                        throw fail(job.name, "GPU \(gpu) of \(entry.node) does not exist")
                    }
                    let slot = node * gpusPerNode + gpu
                    guard givenInRound[slot] != round else {
                        throw fail(job.name, "GPU \(gpu) of \(entry.node) given twice (also to \(givenTo[slot]))")
                    }
                    givenInRound[slot] = round
                    givenTo[slot] = job.name
                }
            }
        }
        // Every job answered exactly once; anything more names a job nobody asked about.
        if decision.allocations.count + decision.pending.count != jobs.count {
            let known = Set(jobs.map(\.name))
            let stray = (Array(decision.allocations.keys) + Array(decision.pending.keys)).filter { !known.contains($0) }.sorted()
            throw fail(stray.first, "in the decision, but not in the snapshot")
        }
    }
}
