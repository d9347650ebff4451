import Foundation

/// One long-running process of the local stack, as the supervisor runs it.
public struct StackPart: Sendable, Equatable {
    /// How the supervisor knows the part is ready.
    public enum Readiness: Sendable, Equatable {
        /// Accepts TCP connections on this loopback port.
        case listening(port: Int)
        /// Answers 200 on this URL (a service's `/readyz`).
        case http(url: String)
    }

    /// `rabbitmq`, `secantusdb`, `training-service`, `resource-allocator`, `scheduler`.
    public var name: String
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var readiness: Readiness
    /// Parts of a lower level are ready before this level starts.
    public var level: Int
    /// Between SIGTERM and SIGKILL when stopping.
    public var stopGrace: Duration

    public init(
        name: String, executable: String, arguments: [String], environment: [String: String], readiness: Readiness,
        level: Int, stopGrace: Duration = .seconds(15)
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.readiness = readiness
        self.level = level
        self.stopGrace = stopGrace
    }
}
