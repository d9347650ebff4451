/// The first epoch after a start or restart: how long it took, at which width.
///
/// Its excess over the steady epoch time at that width is what the restart
/// cost the job (start-up, checkpoint loading, warm-up).
public struct RestartSample: Codable, Sendable, Equatable {
    public var workers: Int
    public var seconds: Double

    public init(workers: Int, seconds: Double) {
        self.workers = workers
        self.seconds = seconds
    }
}
