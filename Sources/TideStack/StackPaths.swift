import Foundation

/// Where a local stack keeps everything, below one root directory (SPEC "Local
/// stack"). The layout is stable so that a later `cmd up` finds the broker's
/// queues, the database and the workers of the stack before it.
public struct StackPaths: Sendable, Equatable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// `TIDE_DATA_DIR`, else `$XDG_DATA_HOME/tide`, else `~/.local/share/tide`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["TIDE_DATA_DIR"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("tide") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/tide")
    }

    /// The stack's settings, written by `cmd up` (mode 0600: it holds the tokens).
    public var configuration: URL { file("stack.json") }
    /// The supervisor's view of every part, rewritten on each change.
    public var status: URL { file("status.json") }
    /// Held (flock) by the live supervisor: whether a stack is up.
    public var lock: URL { file("supervisor.lock") }
    public var supervisorLog: URL { file("supervisor.log") }
    public var logs: URL { file("logs") }
    public var rabbitMQ: URL { file("rabbitmq") }
    public var secantusDB: URL { file("secantusdb") }
    /// The local backend's data directory (worker records and logs below `workers/`).
    public var local: URL { file("local") }
    public var checkpoints: URL { file("checkpoints") }

    /// A part's standard output and error.
    public func log(of part: String) -> URL { logs.appendingPathComponent("\(part).log") }

    private func file(_ name: String) -> URL { root.appendingPathComponent(name) }
}
