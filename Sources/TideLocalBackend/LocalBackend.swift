import Foundation
import Logging
import TideBackend

/// The local cluster backend (SPEC "Cluster backends"): workers are processes
/// on this machine, each under `tide-worker-shim` in a session of its own.
///
/// Each worker has a directory under `<dataDirectory>/workers/` (see
/// `WorkerDirectory`) where the shim records its pid, its start and its end.
/// The shim is not this process's child and outlives it, so a scheduler that
/// dies and restarts adopts the live workers and collects the exits it missed
/// (`adopt`).
///
/// Exits are acknowledged by the scheduler: once it has durably recorded an
/// exit (delivered by `exits` or returned by `adopt`) it calls `forget`. One
/// backend delivers each exit once; an exit never forgotten is returned again
/// by the next backend's `adopt`, so a scheduler that dies between hearing of
/// an exit and recording it does not lose it.
///
/// Exits are found by polling the worker directories on a thread of the
/// backend's own (see `ExitWatcher`), never on Swift's cooperative pool.
public final class LocalBackend: ClusterBackend {
    /// What a worker takes from the scheduler's environment. Nothing else: the
    /// scheduler's own secrets (`TIDE_JOB_TOKEN_SECRET`, ...) stay with it.
    public static let defaultInheritedEnvironment = [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "LD_LIBRARY_PATH",
    ]

    /// Where the worker directories live (`workers/` below it).
    public let dataDirectory: URL
    /// Every worker's end, once each, for the workers this backend started or
    /// adopted. One consumer: the scheduler.
    public let exits: AsyncStream<WorkerExit>

    /// `<dataDirectory>/workers`, one directory per worker.
    let workers: URL
    let watcher: ExitWatcher
    let logger: Logger
    private let launcher: ShimLauncher

    /// - Parameters:
    ///   - dataDirectory: created if missing; shared with the backends that come after this one.
    ///   - shim: the `tide-worker-shim` executable (`shimNextToExecutable()` in an installed build).
    ///   - inheritedEnvironment: the variables workers take from this process.
    ///   - pollInterval: how often worker directories are looked at for exits.
    public init(
        dataDirectory: URL, shim: URL, logger: Logger,
        inheritedEnvironment: [String] = LocalBackend.defaultInheritedEnvironment,
        pollInterval: Duration = .milliseconds(50)
    ) throws {
        self.dataDirectory = dataDirectory
        workers = dataDirectory.appendingPathComponent("workers", isDirectory: true)
        try Self.createDirectory(workers)
        launcher = ShimLauncher(shim: shim, inherited: inheritedEnvironment)
        self.logger = logger
        let (exits, continuation) = AsyncStream.makeStream(of: WorkerExit.self)
        self.exits = exits
        watcher = ExitWatcher(continuation: continuation, interval: pollInterval, logger: logger)
    }

    deinit { watcher.shutDown() }

    /// `tide-worker-shim` next to the running executable, where `swift build` and the images put it.
    public static func shimNextToExecutable() -> URL {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("tide-worker-shim")
    }

    /// The worker's standard output and error; kept after its end (and after `forget`).
    public func logFile(for worker: WorkerID) -> URL {
        WorkerDirectory(workers: workers, id: worker).logFile
    }

    /// Starts the worker under its shim with the launch's environment,
    /// `CUDA_VISIBLE_DEVICES` set to its GPUs, in its working directory (by
    /// default its worker directory). Returns once the command was exec'd.
    ///
    /// A command that cannot be exec'd (no such file, not executable, bad
    /// working directory) is not an error here: its exit comes through `exits`
    /// as `.failedToStart` with the reason, as for a worker that failed later.
    /// Throws when the shim itself cannot run.
    ///
    /// Idempotent: a worker that runs (or is being started) is not started
    /// again, nor one that ended and is not forgotten yet (its exit is, or
    /// will be, reported). An id forgotten after its end starts afresh.
    public func start(_ launch: WorkerLaunch) async throws {
        let id = launch.id
        // A caller cancelled before the spawn (a scheduler that lost its term) starts nothing.
        try Task.checkCancellation()
        guard !launch.command.isEmpty else { throw BackendError("worker \(id) has no command") }
        guard Self.isSafeName(id.job) else { throw BackendError("job name \(id.job.debugDescription) cannot name a directory") }
        let directory = WorkerDirectory(workers: workers, id: id)
        try Self.createDirectory(directory.url)
        guard let lock = try directory.lockForLaunch() else {
            // A live shim holds the lock: this worker runs, or another call is starting it.
            return try check(await watcher.launchOutcome(id, in: directory), of: id, in: directory)
        }
        if let ended = directory.exitRecord, !directory.isForgotten {
            if let requested = directory.requestedAt, requested <= ended.endedAt {
                // Tide stopped it, and starts it again under the same id before acknowledging that
                // end (a shrink, then a growth back within the run): a new worker. The old end,
                // asked for, means nothing to the scheduler; the new one is reported.
                watcher.forget(id)
            } else {
                close(lock)
                // Watched again so that an exit not delivered yet is, once.
                _ = await watcher.launchOutcome(id, in: directory)
                return
            }
        }
        let spawned: pid_t
        do {
            // The shim holds its own copy of the lock from here on.
            defer { close(lock) }
            directory.clearRecords()
            try directory.writeAtomically(try JSONEncoder().encode(launch), to: directory.launchFile)
            do {
                spawned = try launcher.spawn(launch, in: directory, lock: lock)
            } catch {
                try? FileManager.default.removeItem(at: directory.launchFile)
                throw error
            }
        }
        try check(await watcher.launchOutcome(id, in: directory, spawned: spawned), of: id, in: directory)
        logger.info("worker started", metadata: ["worker": "\(id)", "gpus": "\(launch.gpus)", "command": "\(launch.command)"])
    }

    private func check(_ outcome: ExitWatcher.LaunchOutcome, of id: WorkerID, in directory: WorkerDirectory) throws {
        switch outcome {
        case .started, .ended:
            return
        case .shimFailed(let reason):
            // No worker ran: nothing for a later `adopt` to find.
            try? FileManager.default.removeItem(at: directory.launchFile)
            throw BackendError("worker \(id) could not start: \(reason)")
        case .shutDown:
            throw BackendError("worker \(id): the local backend shut down")
        }
    }

    /// SIGTERM to the worker's process group, SIGKILL after `grace`; returns
    /// when the worker has ended. Its exit comes through `exits` with
    /// `requested: true` (unless it had ended before this call). Does nothing
    /// for a worker that is unknown or already ended.
    public func stop(_ worker: WorkerID, grace: Duration) async throws {
        let directory = WorkerDirectory(workers: workers, id: worker)
        guard directory.launch != nil, directory.exitRecord == nil else { return }
        // Marked before the signal: whatever ends it from now on, Tide asked for it.
        let now = String(format: "%.6f\n", Date().timeIntervalSince1970)
        try directory.writeAtomically(Data(now.utf8), to: directory.requestedFile)
        logger.info("stopping worker", metadata: ["worker": "\(worker)", "grace": "\(grace)"])
        await watcher.stop(worker, in: directory, grace: grace)
    }

    private static func isSafeName(_ job: String) -> Bool {
        !job.isEmpty && job != "." && job != ".."
            && job.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    private static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw BackendError("cannot create \(url.path): \(error.localizedDescription)")
        }
    }
}
