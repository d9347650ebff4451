/// How one scheduler runs.
public struct SchedulerSettings: Sendable {
    /// The GPU type it schedules.
    public var accelerator: String
    /// The allocation policy; can be switched at run time.
    public var policy: String
    /// A job resized less than this long ago keeps its count (unless a higher priority needs it).
    public var minResizeInterval: Double = 60
    /// How long a stopping worker gets between SIGTERM and SIGKILL.
    public var stopGrace: Duration = .seconds(10)
    /// A gang whose workers have not all started by then gives its GPUs back and waits again.
    public var gangStartTimeout: Duration = .seconds(120)
    /// Rounds read only the jobs their events name; every job is read again at least this often.
    public var fullRefreshSeconds: Double = 30
    /// Restart cost assumed until the collector has measured one.
    public var defaultRestartSeconds: Double = 30

    public init(accelerator: String, policy: String = "tide") {
        self.accelerator = accelerator
        self.policy = policy
    }
}
