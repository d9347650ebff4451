/// What a scheduler needs of the machines its workers run on: start and stop
/// workers, hear of their exits, and find the workers already running when it
/// starts (SPEC "Cluster backends").
///
/// One backend serves one scheduler, so one GPU type. Implementations:
/// the local backend (processes on this machine) and the Kubernetes backend
/// (worker pods). Every call is idempotent: starting a worker that already
/// runs, or stopping one that is gone, succeeds without doing anything twice.
public protocol ClusterBackend: Sendable {
    /// Starts one worker. Returns once it has been launched (its process
    /// exec'd, or its pod bound); its end comes later through `exits`.
    /// Throws `BackendError` when it cannot be started at all.
    func start(_ launch: WorkerLaunch) async throws

    /// Asks a worker to stop (SIGTERM, or a pod delete with this grace
    /// period), kills it after `grace`, and returns when it is gone. Its exit
    /// still arrives through `exits`, marked as requested.
    func stop(_ worker: WorkerID, grace: Duration) async throws

    /// Every worker's end, once each, for workers started or adopted by this
    /// backend. Ends that happened while the scheduler was down come once, in
    /// `adopt`'s `missedExits`, and not here as well.
    var exits: AsyncStream<WorkerExit> { get }

    /// The workers found running (and the exits found recorded) at start-up.
    /// Called once, before any `start`; live workers are adopted, their later
    /// exits reported through `exits`.
    func adopt() async throws -> Adoption

    /// The scheduler has durably recorded this worker's exit (delivered by
    /// `exits` or returned by `adopt`): the backend may drop it. Until then a
    /// backend that keeps exits across restarts reports the exit again at the
    /// next `adopt`, so an exit is never lost when the scheduler dies between
    /// hearing of it and recording it. Does nothing for a worker still running.
    func forget(_ worker: WorkerID) async throws

    /// Something happened to a job (it started, was resized, waits and why):
    /// told to the cluster's own tools where there are some (a Kubernetes
    /// Event). Advice only: never fails, never waits.
    func recordJobEvent(job: String, reason: String, message: String, warning: Bool)
}

extension ClusterBackend {
    /// Backends that never report an exit twice need no acknowledgement.
    public func forget(_ worker: WorkerID) async throws {}

    /// Backends without an event log of their own leave events to the job's history.
    public func recordJobEvent(job: String, reason: String, message: String, warning: Bool) {}
}

/// What `ClusterBackend.adopt` found.
public struct Adoption: Sendable, Equatable {
    /// Workers alive now, adopted.
    public var running: [RunningWorker]
    /// Workers that ended while no scheduler watched them.
    public var missedExits: [WorkerExit]

    public init(running: [RunningWorker] = [], missedExits: [WorkerExit] = []) {
        self.running = running
        self.missedExits = missedExits
    }
}
