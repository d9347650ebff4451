/// A validated job: what Tide schedules, whichever document it came from.
///
/// Made only by `JobSpecParser` (or decoding, which parses), so every value
/// satisfies the rules in `JobRules`. It encodes as its canonical `tide/v1`
/// `TrainingJob` document (every default written out; sort keys for a
/// byte-stable form), which parses back to an equal job.
public struct JobSpec: Sendable, Hashable {
    /// `metadata.name`: a DNS label of at most 40 characters, as submitted.
    public var name: String
    /// The GPU type: the value of the node label `tide/accelerator`.
    public var accelerator: String
    /// The gang minimum and elastic maximum number of workers.
    public var workers: WorkerRange
    /// The width rigid policies give the job; within `workers`, default `workers.max`.
    public var requestedWorkers: Int
    /// GPUs each worker holds; default 1.
    public var gpusPerWorker: Int
    /// Higher runs first; a strict tier in every policy. Default 0.
    public var priority: Int
    /// False: never shrunk or stopped for another job. Default true.
    public var preemptible: Bool
    /// The queue the job waits in; default `default`.
    public var queue: String
    /// Total work units (epochs), for estimates.
    public var epochs: Int
    /// How the job's width changes; default `restart`.
    public var resize: ResizeMode
    /// Retries after a failure Tide did not cause; default 3.
    public var maxRetries: Int
    /// Wall-clock limit in seconds, or nil for none.
    public var timeLimitSeconds: Int?
    /// Where to retry after running out of memory or time, or nil.
    public var failback: Failback?
    /// The worker container, passed through: image, command, args, env,
    /// resources, volumeMounts, workingDir, and the pod's volumes,
    /// tolerations and imagePullSecrets. Always an object with an `image`.
    public var template: JSONValue
    /// The Kubernetes volume claim where `TIDE_CHECKPOINT_DIR` lives, or nil.
    public var checkpointVolume: CheckpointVolume?
    /// The original `kubeflow.org/v1` `MPIJob` when the job came as one: a
    /// Kubernetes backend drives it (the local backend refuses such jobs).
    public var mpiJob: JSONValue?

    /// Where the job came from, and so how a backend runs it.
    public var source: JobSource { mpiJob == nil ? .trainingJob : .mpiJob }

    /// The gang minimum and the elastic maximum.
    public struct WorkerRange: Sendable, Hashable {
        public var min: Int
        public var max: Int

        public init(min: Int, max: Int) {
            self.min = min
            self.max = max
        }
    }

    /// The GPU type to retry on after an out-of-memory exit or a time-out.
    public struct Failback: Sendable, Hashable {
        public var accelerator: String

        public init(accelerator: String) {
            self.accelerator = accelerator
        }
    }

    /// A persistent volume claim by name.
    public struct CheckpointVolume: Sendable, Hashable {
        public var claimName: String

        public init(claimName: String) {
            self.claimName = claimName
        }
    }

    /// Memberwise. Values are not checked here: `validated()` checks a job built by hand.
    public init(
        name: String, accelerator: String, workers: WorkerRange, requestedWorkers: Int, gpusPerWorker: Int,
        priority: Int, preemptible: Bool, queue: String, epochs: Int, resize: ResizeMode, maxRetries: Int,
        timeLimitSeconds: Int?, failback: Failback?, template: JSONValue, checkpointVolume: CheckpointVolume?,
        mpiJob: JSONValue?
    ) {
        self.name = name
        self.accelerator = accelerator
        self.workers = workers
        self.requestedWorkers = requestedWorkers
        self.gpusPerWorker = gpusPerWorker
        self.priority = priority
        self.preemptible = preemptible
        self.queue = queue
        self.epochs = epochs
        self.resize = resize
        self.maxRetries = maxRetries
        self.timeLimitSeconds = timeLimitSeconds
        self.failback = failback
        self.template = template
        self.checkpointVolume = checkpointVolume
        self.mpiJob = mpiJob
    }
}

/// How a job's width changes.
public enum ResizeMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Stop every worker (SIGTERM, grace period, SIGKILL), then start the new count.
    case restart
    /// Add or remove single workers while the others go on.
    case live
}

/// The kind of document a job was submitted as.
public enum JobSource: String, Sendable, Hashable, Codable {
    /// `tide/v1` `TrainingJob`.
    case trainingJob = "tide/v1"
    /// `kubeflow.org/v1` `MPIJob` (Voda's format).
    case mpiJob = "kubeflow.org/v1"
}
