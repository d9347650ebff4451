/// One worker of one run of a job.
///
/// A job's run number rises every time its worker set is restarted (resize,
/// retry): workers of two runs of one job are never alive at once.
public struct WorkerID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var job: String
    public var run: Int
    public var index: Int

    public init(job: String, run: Int, index: Int) {
        self.job = job
        self.run = run
        self.index = index
    }

    public var description: String { "\(job)/\(run)/\(index)" }

    public static func < (a: WorkerID, b: WorkerID) -> Bool {
        (a.job, a.run, a.index) < (b.job, b.run, b.index)
    }
}

/// Everything a backend needs to start one worker.
public struct WorkerLaunch: Sendable, Codable, Equatable {
    public var id: WorkerID
    /// Workers in this run (`TIDE_NUM_WORKERS`).
    public var workerCount: Int
    public var node: String
    /// GPU indices on `node` (bookkeeping only on Kubernetes).
    public var gpus: [Int]
    /// The program and its arguments.
    public var command: [String]
    /// The worker's environment beyond what the backend adds (the TIDE_* contract variables are set by the caller).
    public var environment: [String: String]
    /// Where the worker runs; nil for the backend's default.
    public var workingDirectory: String?

    public init(
        id: WorkerID, workerCount: Int, node: String, gpus: [Int], command: [String],
        environment: [String: String] = [:], workingDirectory: String? = nil
    ) {
        self.id = id
        self.workerCount = workerCount
        self.node = node
        self.gpus = gpus
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
    }
}

/// A worker found alive at start-up.
public struct RunningWorker: Sendable, Codable, Equatable {
    public var launch: WorkerLaunch
    /// Process id (local backend) or 0.
    public var pid: Int32
    /// Seconds since 1970 when it started.
    public var startedAt: Double

    public init(launch: WorkerLaunch, pid: Int32, startedAt: Double) {
        self.launch = launch
        self.pid = pid
        self.startedAt = startedAt
    }
}

/// How a worker ended.
public struct WorkerExit: Sendable, Codable, Equatable {
    public enum Status: Sendable, Codable, Equatable {
        /// Exited with this code.
        case exited(Int32)
        /// Killed by this signal.
        case signaled(Int32)
        /// Could not be started (the command does not exist, ...), with the reason.
        case failedToStart(String)
    }

    public var id: WorkerID
    public var status: Status
    /// The backend stopped it because `stop` was called: never a completion, never a retry.
    public var requested: Bool
    /// Seconds since 1970 when it ended.
    public var endedAt: Double

    public init(id: WorkerID, status: Status, requested: Bool, endedAt: Double) {
        self.id = id
        self.status = status
        self.requested = requested
        self.endedAt = endedAt
    }

    /// Exited 0 without being asked to stop.
    public var isSuccess: Bool { !requested && status == .exited(0) }
}

/// A backend could not do what was asked.
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
