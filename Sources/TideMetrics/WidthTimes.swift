/// The most recent steady epoch times at one width, oldest first.
public struct WidthTimes: Codable, Sendable, Equatable {
    public var workers: Int
    public var seconds: [Double]

    public init(workers: Int, seconds: [Double]) {
        self.workers = workers
        self.seconds = seconds
    }

    /// The median of the times kept: one slow epoch (a checkpoint, a noisy
    /// neighbour, a restart not recognised as one) does not move it.
    public var median: Double {
        let sorted = seconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
