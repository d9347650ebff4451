import TideAllocation

/// The simulated cluster and the rules of the job model.
public struct SimulationConfig: Sendable {
    public var policy: String
    public var nodes: Int
    public var gpusPerNode: Int
    /// A periodic round runs this long after the previous round.
    public var roundSeconds: Double
    /// Progress a job loses on every change of count or placement, the first start included.
    public var restartSeconds: Double
    public var minResizeInterval: Double
    public var options: PolicyOptions

    public init(
        policy: String = "tide", nodes: Int = 16, gpusPerNode: Int = 4, roundSeconds: Double = 60,
        restartSeconds: Double = 30, minResizeInterval: Double = 60, options: PolicyOptions = PolicyOptions()
    ) {
        self.policy = policy
        self.nodes = nodes
        self.gpusPerNode = gpusPerNode
        self.roundSeconds = roundSeconds
        self.restartSeconds = restartSeconds
        self.minResizeInterval = minResizeInterval
        self.options = options
    }

    public var totalGPUs: Int { nodes * gpusPerNode }
}
