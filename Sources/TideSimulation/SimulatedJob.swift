/// A job of a trace, in the pinned job model of `shared/traces/README.md`:
/// it needs `work` one-worker seconds and on `w` workers progresses at
/// `speedup(w)` per second.
public struct SimulatedJob: Sendable, Equatable, Codable {
    public var name: String
    /// Arrival, in seconds from the trace's start.
    public var arrival: Double
    public var application: String
    /// One-worker seconds of work.
    public var work: Double
    /// True speedup at 1, 2, … workers; past its end, its last value.
    public var speedupCurve: [Double]
    public var minWorkers: Int
    public var maxWorkers: Int
    /// The width rigid policies run it at.
    public var requestedWorkers: Int

    public init(
        name: String, arrival: Double, application: String, work: Double, speedupCurve: [Double],
        minWorkers: Int = 1, maxWorkers: Int, requestedWorkers: Int
    ) {
        self.name = name
        self.arrival = arrival
        self.application = application
        self.work = work
        self.speedupCurve = speedupCurve
        self.minWorkers = minWorkers
        self.maxWorkers = maxWorkers
        self.requestedWorkers = requestedWorkers
    }

    /// The true speedup at `workers`.
    public func speedup(_ workers: Int) -> Double {
        guard workers > 0, let last = speedupCurve.last else { return 0 }
        return workers <= speedupCurve.count ? speedupCurve[workers - 1] : last
    }
}
