import CLocalSpawn
import Foundation

/// Starts a detached process the way every part of the local stack is started.
enum Spawn {
    /// Starts `arguments[0]` with `arguments` and `environment`, in a session of
    /// its own with a clean signal mask, its output appended to `log` and
    /// `descriptor3` as its descriptor 3 (the log itself when there is nothing
    /// to hand over). Throws naming `what` when it cannot.
    static func detached(
        _ arguments: [String], environment: [String: String], log: URL, descriptor3: Int32? = nil, what: String
    ) throws -> pid_t {
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StackError("cannot open \(log.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = tide_spawn_shim(arguments[0], argv, envp, fd, descriptor3 ?? fd, &pid)
        guard result == 0 else { throw StackError("cannot start \(what) (\(arguments[0])): \(String(cString: strerror(result)))") }
        return pid
    }
}
