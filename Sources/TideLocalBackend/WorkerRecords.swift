import TideBackend

/// `started.json`: written by the shim once the worker's command was exec'd.
struct StartedRecord: Codable, Sendable, Equatable {
    var shimPid: Int32
    /// Also the worker's process group: the shim puts it in a group of its own.
    var workerPid: Int32
    /// The shim's session: a process with the worker's pid in another session
    /// is not the worker (the pid was reused), and is never signalled.
    var session: Int32
    var startedAt: Double
}

/// `exit.json`: how the worker ended, written once, by the shim (or by the
/// backend for a shim that died without writing it). Exactly one of
/// `exited`, `signaled` and `failedToStart` is set.
struct ExitRecord: Codable, Sendable, Equatable {
    var workerPid: Int32?
    var endedAt: Double
    var exited: Int32?
    var signaled: Int32?
    /// Why the command could not run, as the shim saw it: "exec NAME: No such file or directory".
    var failedToStart: String?
    /// Set when the backend wrote the record, saying why.
    var note: String?

    var status: WorkerExit.Status {
        if let failedToStart { return .failedToStart(failedToStart) }
        if let signaled { return .signaled(signaled) }
        return .exited(exited ?? -1)
    }
}
