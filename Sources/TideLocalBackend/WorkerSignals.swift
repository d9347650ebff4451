import Foundation

/// Signals to a worker's process group, never to a stranger's.
enum WorkerSignals {
    /// Sends `signal` to the worker's process group (the shim puts the worker
    /// in a group of its own, numbered by its pid). Skipped when that pid now
    /// names a process of another session: the worker is gone and its pid was
    /// reused. When no process has the pid the group may still hold what the
    /// worker left behind, and no other group can have that number.
    static func send(_ signal: Int32, to started: StartedRecord) {
        let session = getsid(started.workerPid)
        guard session == started.session || (session == -1 && errno == ESRCH) else { return }
        kill(-started.workerPid, signal)
    }
}
