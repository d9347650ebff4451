/// The simulation stopped: the allocator refused a snapshot, or its decision
/// broke an invariant the simulator relies on.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    /// The allocation round, counting from 1.
    public var round: Int
    public var time: Double
    /// The job at fault, when one is.
    public var job: String?
    public var message: String

    public init(round: Int, time: Double, job: String? = nil, message: String) {
        self.round = round
        self.time = time
        self.job = job
        self.message = message
    }

    public var description: String {
        "round \(round) (t=\(Int(time))s)" + (job.map { ", job \($0)" } ?? "") + ": \(message)"
    }
}
