/// One allocation round's output.
///
/// Every job of the snapshot is in exactly one of `allocations` and `pending`,
/// and in `policyState`.
public struct AllocationDecision: Codable, Sendable, Equatable {
    public var allocations: [String: JobAllocation]
    /// Why each job without workers waits.
    public var pending: [String: String]
    /// Placement changes of jobs whose count did not change, with their reasons.
    public var moves: [Move]
    /// State to send back for each job next round.
    public var policyState: [String: JSONValue]

    public init(
        allocations: [String: JobAllocation] = [:], pending: [String: String] = [:],
        moves: [Move] = [], policyState: [String: JSONValue] = [:]
    ) {
        self.allocations = allocations
        self.pending = pending
        self.moves = moves
        self.policyState = policyState
    }
}

/// The workers a job gets this round, and where.
public struct JobAllocation: Codable, Sendable, Equatable {
    public var workers: Int
    public var placement: [NodeGPUs]

    public init(workers: Int, placement: [NodeGPUs]) {
        self.workers = workers
        self.placement = placement
    }
}

/// A job moved to other GPUs at the same count, and why.
public struct Move: Codable, Sendable, Equatable {
    public var job: String
    public var from: [NodeGPUs]
    public var to: [NodeGPUs]
    public var reason: String

    public init(job: String, from: [NodeGPUs], to: [NodeGPUs], reason: String) {
        self.job = job
        self.from = from
        self.to = to
        self.reason = reason
    }
}
