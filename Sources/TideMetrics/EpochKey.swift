import TideJobs

/// What a report of a completed epoch says, without when it arrived: its epoch,
/// its width and its measured time. The same report sent twice (a worker trying
/// again after a 503 whose sample the broker had in fact taken) has the same key
/// and a later receipt time; a rerun of the epoch measures another time.
public struct EpochKey: Codable, Sendable, Hashable {
    public var epoch: Int
    public var workers: Int
    public var epochSeconds: Double

    public init(epoch: Int, workers: Int, epochSeconds: Double) {
        self.epoch = epoch
        self.workers = workers
        self.epochSeconds = epochSeconds
    }

    public init(_ sample: ProgressSample) {
        self.init(epoch: sample.epoch, workers: sample.workers, epochSeconds: sample.epochSeconds)
    }
}
