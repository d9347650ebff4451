/// What the metrics collector learned of a job from its progress reports,
/// kept in its `job_info` document (field `estimate`) for the scheduler's snapshots.
public struct JobEstimate: Codable, Sendable, Equatable {
    /// Throughput relative to one worker, by worker count (keys in plain decimal).
    public var speedup: [String: Double]
    /// Worker counts actually observed.
    public var measuredWorkers: [Int]
    /// Seconds of work left at one worker, when known.
    public var remainingSeconds: Double?
    /// Progress lost per restart, measured from the first epoch after each one.
    public var restartSeconds: Double?
    /// Epochs done, of the job's total, by the last report.
    public var epoch: Int?
    public var epochs: Int?

    public init(
        speedup: [String: Double] = [:], measuredWorkers: [Int] = [], remainingSeconds: Double? = nil,
        restartSeconds: Double? = nil, epoch: Int? = nil, epochs: Int? = nil
    ) {
        self.speedup = speedup
        self.measuredWorkers = measuredWorkers
        self.remainingSeconds = remainingSeconds
        self.restartSeconds = restartSeconds
        self.epoch = epoch
        self.epochs = epochs
    }
}
