import Foundation

/// The supervisor holds an exclusive `flock` on `supervisor.lock` for as long
/// as it lives, so "is the stack up?" has an answer that no stale pid file
/// can get wrong, and two supervisors never share a data directory.
public enum SupervisorLock {
    /// Whether a live supervisor holds the lock.
    public static func isHeld(_ paths: StackPaths) -> Bool {
        guard let fd = try? acquire(paths) else { return true }
        close(fd)
        return false
    }

    /// The lock, taken: an open descriptor; nil when a supervisor holds it.
    static func acquire(_ paths: StackPaths) throws -> Int32? {
        try FileManager.default.createDirectory(at: paths.root, withIntermediateDirectories: true)
        let fd = open(paths.lock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StackError("cannot open \(paths.lock.path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Starts `arguments` (the supervisor) detached, in a session of its own,
    /// holding the lock. Returns its pid, or nil when a supervisor is already up.
    public static func launchSupervisor(_ arguments: [String], environment: [String: String], paths: StackPaths) throws -> pid_t? {
        guard let lock = try acquire(paths) else { return nil }
        defer { close(lock) }
        // The supervisor gets the locked descriptor as 3 and keeps the lock after this process lets go.
        return try Spawn.detached(
            arguments, environment: environment, log: paths.supervisorLog, descriptor3: lock, what: "the supervisor")
    }
}
