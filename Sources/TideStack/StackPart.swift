import Foundation

/// One long-running process of the local stack, as the supervisor runs it.
public struct StackPart: Sendable, Equatable {
    /// How the supervisor knows the part is ready, on its `port`.
    public enum Readiness: Sendable, Equatable {
        /// Accepts TCP connections.
        case listening
        /// Answers 200 on this path (a service's `/readyz`).
        case http(path: String)
    }

    /// `rabbitmq`, `secantusdb`, `training-service`, `resource-allocator`, `scheduler`.
    public var name: String
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    /// The loopback port it serves on; nil for a part that serves none (the collector).
    public var port: Int?
    public var readiness: Readiness
    /// Parts of a lower level are ready before this level starts.
    public var level: Int
    /// Between SIGTERM and SIGKILL when stopping.
    public var stopGrace: Duration

    public init(
        name: String, executable: String, arguments: [String], environment: [String: String], port: Int?,
        readiness: Readiness, level: Int, stopGrace: Duration = .seconds(15)
    ) {
        self.port = port
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.readiness = readiness
        self.level = level
        self.stopGrace = stopGrace
    }
}
