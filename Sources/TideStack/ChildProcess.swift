import Foundation

/// A supervised part's process: spawned with a clean signal mask in a session
/// of its own (so its whole process group can be signalled), its output
/// appended to a log file, and its end awaited on a thread of its own, never
/// on Swift's cooperative pool.
struct ChildProcess: Sendable {
    /// How a process ended.
    enum Ending: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let code): "exited with code \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: pid_t
    /// Completes once, when the process has ended (it is reaped by then).
    let ending: Task<Ending, Never>

    /// Starts `part`, its output appended to `log`.
    static func spawn(_ part: StackPart, log: URL) throws -> ChildProcess {
        let pid = try Spawn.detached(
            [part.executable] + part.arguments, environment: part.environment, log: log, what: part.name)
        let ending = Task<Ending, Never> {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                    continuation.resume(returning: Self.ending(status))
                }
                thread.name = "tide-wait-\(part.name)"
                thread.start()
            }
        }
        return ChildProcess(pid: pid, ending: ending)
    }

    /// Sends `signal` to the process's group (it leads its own session).
    func signal(_ signal: Int32) {
        if kill(-pid, signal) != 0 { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL after `grace`; returns how it ended.
    func stop(grace: Duration) async -> Ending {
        signal(SIGTERM)
        let killer = Task {
            try await Task.sleep(for: grace)
            signal(SIGKILL)
        }
        let result = await ending.value
        killer.cancel()
        // Whatever of its group outlived it (a broker's helpers) goes too.
        kill(-pid, SIGKILL)
        return result
    }

    private static func ending(_ status: Int32) -> Ending {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
