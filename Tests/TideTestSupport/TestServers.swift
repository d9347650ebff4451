import Foundation

/// The servers a test run shares, and private ones for tests that restart or kill a server.
///
/// `make test` runs the tests under `scripts/with-servers.sh`, which starts one
/// RabbitMQ node and one SecantusDB server and exports their URIs. A test that
/// stops a server starts its own with `ServerProcess`, so the shared ones
/// never go away under a test running in parallel.
public enum TestServers {
    /// The shared broker's URI.
    public static var amqpURI: String { get throws { try environment("TIDE_TEST_AMQP_URI") } }
    /// The shared database server's URI.
    public static var mongoURI: String { get throws { try environment("TIDE_TEST_MONGO_URI") } }

    /// A name no other test of this run uses: queues, databases, jobs.
    public static func uniqueName(_ prefix: String) -> String {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "\(prefix)-\(suffix)"
    }

    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestServerError(
                "\(name) is not set: run the tests with `make test` (or under scripts/with-servers.sh)")
        }
        return value
    }

    /// The repository's root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A server of this test's own, run by `scripts/rabbitmq.sh` or `scripts/secantusdb.sh`.
public final class ServerProcess: Sendable {
    public enum Kind: String, Sendable {
        case rabbitmq
        case secantusdb
    }

    public let kind: Kind
    /// Its data directory; a restart reuses it, and with it the port.
    public let directory: URL

    public init(_ kind: Kind) {
        self.kind = kind
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tide-\(kind.rawValue)-\(UUID().uuidString.prefix(8))")
    }

    /// Starts the server (again) and returns its URI once it answers.
    @discardableResult
    public func start() throws -> String {
        try run("start").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops it cleanly, keeping its data.
    public func stop() throws { _ = try run("stop") }

    /// Kills it with SIGKILL, keeping its data, as a crash would.
    public func kill() throws { _ = try run("kill") }

    /// The server's process id, from the script's pid file (RabbitMQ's is the Erlang VM's).
    public var pid: Int32? {
        (try? String(contentsOf: directory.appendingPathComponent("pid"), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Stops it and removes its data.
    public func remove() {
        _ = try? run("stop")
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs the script to its end and returns its standard output.
    ///
    /// posix_spawn and waitpid, not Foundation's `Process`: on this toolchain
    /// `waitUntilExit` sometimes never returns after a script that leaves a
    /// server running (the script stays an unreaped zombie). And no descriptor
    /// of the test process may leak into the server: a client socket it kept
    /// open would hide a closed connection from it.
    private func run(_ action: String) throws -> String {
        let script = TestServers.repositoryRoot.appendingPathComponent("scripts/\(kind.rawValue).sh").path
        let (status, output, errors) = try Spawn.run(["/bin/bash", script, action, directory.path])
        guard status == 0 else {
            throw TestServerError("\(kind.rawValue).sh \(action) failed (status \(status)): \(errors)")
        }
        return output
    }
}

/// A test server that could not be reached, started or stopped.
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
