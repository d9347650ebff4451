import Foundation

/// One progress report of a job's worker 0, as the training service puts it
/// on the durable queue `tide.progress` for the metrics collector.
///
/// The first six fields are the body of `POST /v1/jobs/{name}/progress`
/// (the worker contract); the service adds the job, its GPU type and the
/// time it received the report.
public struct ProgressSample: Codable, Sendable, Equatable {
    public var job: String
    public var accelerator: String
    /// Epochs done, of `epochs`.
    public var epoch: Int
    public var epochs: Int
    /// Workers the job ran with during that epoch.
    public var workers: Int
    /// Wall-clock seconds of that epoch.
    public var epochSeconds: Double
    public var stepSeconds: Double?
    public var samplesPerSecond: Double?
    public var loss: Double?
    public var receivedAt: Date

    public init(
        job: String, accelerator: String, epoch: Int, epochs: Int, workers: Int, epochSeconds: Double,
        stepSeconds: Double? = nil, samplesPerSecond: Double? = nil, loss: Double? = nil, receivedAt: Date
    ) {
        self.job = job
        self.accelerator = accelerator
        self.epoch = epoch
        self.epochs = epochs
        self.workers = workers
        self.epochSeconds = epochSeconds
        self.stepSeconds = stepSeconds
        self.samplesPerSecond = samplesPerSecond
        self.loss = loss
        self.receivedAt = receivedAt
    }
}
