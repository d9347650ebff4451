import TideBackend
import TideCore
import TideJobs

/// The worker launches of one run, with the worker contract's environment. Pure.
public struct WorkerLaunches: Sendable {
    /// Where workers report progress (`TIDE_API`).
    public var apiURL: String
    /// Signs `TIDE_JOB_TOKEN`; nil leaves the variable out.
    public var tokens: JobTokens?
    /// Each job checkpoints under `<checkpointRoot>/<job>`.
    public var checkpointRoot: String
    /// Variables every worker inherits (PATH, HOME, ...), overridden by the job's own.
    public var baseEnvironment: [String: String]
    public var workingDirectory: String?
    /// Workers run in containers (the Kubernetes backend): each launch carries the job's
    /// container template, and a command is optional (the image's entrypoint serves).
    public var containers: Bool

    public init(
        apiURL: String, tokens: JobTokens?, checkpointRoot: String, baseEnvironment: [String: String] = [:],
        workingDirectory: String? = nil, containers: Bool = false
    ) {
        self.containers = containers
        self.apiURL = apiURL
        self.tokens = tokens
        self.checkpointRoot = checkpointRoot
        self.baseEnvironment = baseEnvironment
        self.workingDirectory = workingDirectory
    }

    /// Why a job cannot run on this backend.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The launches of `slots` for `job`'s run `run`.
    public func launches(job: ManagedJob, run: Int, slots: [WorkerSlot], workerCount: Int) throws -> [WorkerLaunch] {
        let command = containers && job.spec.mpiJob != nil ? [] : try Self.command(of: job.spec, required: !containers)
        if containers && job.spec.mpiJob == nil && job.spec.template["image"]?.stringValue == nil {
            throw Refusal(description: "spec.template.image: the Kubernetes backend runs a container image, and this job names none")
        }
        let container = containers
            ? ContainerTemplate(
                template: job.spec.template, accelerator: job.spec.accelerator, gpusPerWorker: job.spec.gpusPerWorker,
                checkpointClaim: job.spec.checkpointVolume?.claimName, mpiJob: job.spec.mpiJob)
            : nil
        var environment = baseEnvironment
        for (name, value) in Self.templateEnvironment(of: job.spec) { environment[name] = value }
        let checkpoint = checkpointRoot.hasSuffix("/") ? checkpointRoot + job.name : checkpointRoot + "/" + job.name
        let contract: [String: String] = [
            "TIDE_JOB": job.name, "TIDE_NUM_WORKERS": String(workerCount), "TIDE_ACCELERATOR": job.spec.accelerator,
            "TIDE_CHECKPOINT_DIR": checkpoint, "TIDE_RESTART_COUNT": String(max(run - 1, 0)), "TIDE_API": apiURL,
            "JOB_NAME": job.name, "NP": String(workerCount), "EPOCHS": String(job.spec.epochs),
        ]
        for (name, value) in contract { environment[name] = value }
        if let tokens { environment["TIDE_JOB_TOKEN"] = tokens.token(job: job.name) }
        return slots.map { slot in
            var own = environment
            own["TIDE_WORKER_INDEX"] = String(slot.index)
            return WorkerLaunch(
                id: WorkerID(job: job.name, run: run, index: slot.index), workerCount: workerCount, node: slot.node,
                gpus: slot.gpus, command: command, environment: own, workingDirectory: containers ? nil : workingDirectory,
                container: container)
        }
    }

    /// `spec.template.command` followed by `spec.template.args`; empty allowed unless `required`.
    static func command(of spec: JobSpec, required: Bool = true) throws -> [String] {
        if spec.mpiJob != nil {
            throw Refusal(description: "an MPIJob runs only on the Kubernetes backend (its MPI operator starts the workers)")
        }
        let words = (spec.template["command"]?.arrayValue ?? []) + (spec.template["args"]?.arrayValue ?? [])
        let command = words.compactMap(\.stringValue)
        guard !required || !command.isEmpty, command.count == words.count else {
            throw Refusal(description: "spec.template.command: the local backend runs a command, and this job has none")
        }
        return command
    }

    /// `spec.template.env` entries with a literal value.
    static func templateEnvironment(of spec: JobSpec) -> [(String, String)] {
        (spec.template["env"]?.arrayValue ?? []).compactMap { entry in
            guard let name = entry["name"]?.stringValue else { return nil }
            return (name, entry["value"]?.stringValue ?? "")
        }
    }
}
