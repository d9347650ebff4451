import TideAllocation

/// The invariants the simulator needs from every decision, checked before it
/// is applied: a wrong answer stops the run instead of skewing its figures.
///
/// Runs every round, so it costs time proportional to the jobs and the GPUs
/// handed out, never to the cluster.
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

    /// Checks one active job's answer; `round` counts from 1 and only grows.
    mutating func check(
        _ job: SimulatedJob, _ allocation: JobAllocation?, in decision: AllocationDecision, round: Int, time: Double
    ) throws {
        func fail(_ message: String) -> SimulationError {
            SimulationError(round: round, time: time, job: job.name, message: message)
        }
        guard let allocation else {
            guard decision.pending[job.name] != nil else { throw fail("neither allocated nor pending") }
            return
        }
        let workers = allocation.workers
        guard workers == 0 || (job.minWorkers...job.maxWorkers).contains(workers) else {
            throw fail("\(workers) workers, outside 0 or \(job.minWorkers)...\(job.maxWorkers)")
        }
        let held = allocation.placement.reduce(0) { $0 + $1.gpus.count }
        guard held == workers else { throw fail("\(workers) workers but \(held) GPUs in its placement") }
        for entry in allocation.placement {
            guard let node = nodeIndex[entry.node] else { throw fail("placed on unknown node \(entry.node)") }
            for gpu in entry.gpus {
                guard (0..<gpusPerNode).contains(gpu) else { throw fail("GPU \(gpu) of \(entry.node) does not exist") }
                let slot = node * gpusPerNode + gpu
                guard givenInRound[slot] != round else {
                    throw fail("GPU \(gpu) of \(entry.node) given twice (also to \(givenTo[slot]))")
                }
                givenInRound[slot] = round
                givenTo[slot] = job.name
            }
        }
    }

    /// After every job passed `check`: each answered exactly once, and nobody else.
    func checkAnswered(
        _ decision: AllocationDecision, jobs count: Int, names: @autoclosure () -> [String], round: Int, time: Double
    ) throws {
        guard decision.allocations.count + decision.pending.count != count else { return }
        let known = Set(names())
        let stray = (Array(decision.allocations.keys) + Array(decision.pending.keys)).filter { !known.contains($0) }
        if let first = stray.sorted().first {
            throw SimulationError(
                round: round, time: time, job: first, message: "in the decision, but not in the snapshot")
        }
        let both = decision.allocations.keys.filter { decision.pending[$0] != nil }.sorted()
        throw SimulationError(round: round, time: time, job: both.first, message: "both allocated and pending")
    }
}
