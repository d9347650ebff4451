import Foundation
import Synchronization

/// A long-running child (a service under test), its output in a log file of its own.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// Where its stdout and stderr go.
    public let logURL: URL
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `arguments[0]`; `environment` replaces the test's own when given.
    public init(_ arguments: [String], environment: [String: String]? = nil) throws {
        logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("tide-child-\(UUID().uuidString.prefix(8)).log")
        let log = open(logURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        guard log >= 0 else { throw TestServerError("cannot create \(logURL.path)") }
        defer { close(log) }
        pid = try Spawn.start(arguments, environment: environment, stdin: nil, stdout: log, stderr: log)
    }

    /// Everything it printed so far.
    public var log: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// The first capture of `pattern` in the log, waiting up to `timeout` for it to appear.
    public func waitForLog(_ pattern: String, timeout: Duration = .seconds(60)) async throws -> String {
        let regex = try Regex(pattern)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = log
            if let match = text.firstMatch(of: regex) {
                return match.output.count > 1 ? match.output[1].substring.map(String.init) ?? "" : String(match.0)
            }
            if let status = exited {
                throw TestServerError("\(logURL.lastPathComponent): exited with \(status) before printing \(pattern):\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestServerError("\(logURL.lastPathComponent): no \(pattern) within \(timeout):\n\(log)")
    }

    /// Its exit status if it has exited (reaping it), else nil.
    public var exited: Int32? {
        exitStatus.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { known = Spawn.exitCode(status) }
            return known
        }
    }

    public func signal(_ signal: Int32) {
        if exited == nil { kill(pid, signal) }
    }

    /// Waits up to `timeout` for the process to end by itself; its status, or nil if it still runs.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while exited == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return exited
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit; SIGKILL after that.
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) async -> Int32 {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exited { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        signal(SIGKILL)
        while exited == nil { try? await Task.sleep(for: .milliseconds(20)) }
        return exited ?? -1
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: logURL)
    }
}
