import TideCore

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
    /// The job's container, for backends that run containers (nil for processes).
    public var container: ContainerTemplate?

    public init(
        id: WorkerID, workerCount: Int, node: String, gpus: [Int], command: [String],
        environment: [String: String] = [:], workingDirectory: String? = nil, container: ContainerTemplate? = nil
    ) {
        self.id = id
        self.workerCount = workerCount
        self.node = node
        self.gpus = gpus
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.container = container
    }
}

/// A job's container as a container backend runs it: the job's `template`
/// (image, command, args, env, resources, volumes, tolerations...) passed
/// through, and what the backend adds around it.
public struct ContainerTemplate: Sendable, Codable, Equatable {
    public var template: JSONValue
    public var accelerator: String
    public var gpusPerWorker: Int
    /// The job's `checkpointVolume.claimName`, mounted where `TIDE_CHECKPOINT_DIR` points.
    public var checkpointClaim: String?
    /// A Voda MPIJob's original document: the run is that MPIJob, its workers the operator's pods.
    public var mpiJob: JSONValue?

    public init(
        template: JSONValue, accelerator: String, gpusPerWorker: Int, checkpointClaim: String? = nil, mpiJob: JSONValue? = nil
    ) {
        self.template = template
        self.accelerator = accelerator
        self.gpusPerWorker = gpusPerWorker
        self.checkpointClaim = checkpointClaim
        self.mpiJob = mpiJob
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
        /// The node refused it before it ran (the kubelet's admission, an
        /// eviction), with the reason: not the job's failure; its gang is
        /// rolled back and placed again.
        case refused(String)
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
    /// True when the job itself is at fault (its template was refused, its
    /// command does not exist): it fails. False when the cluster is (an API
    /// server away, a permission missing): the job waits and is tried again.
    public var blamesJob: Bool

    public init(_ message: String, blamesJob: Bool = true) {
        self.message = message
        self.blamesJob = blamesJob
    }

    public var description: String { message }
}
