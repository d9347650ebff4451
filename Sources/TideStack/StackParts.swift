import Crypto
import Foundation

/// The parts of a local stack and how each is started: a pure function of the
/// configuration and the paths, so tests check it without starting anything.
public enum StackParts {
    /// Start order by `level`: broker and database, then the training service
    /// and the allocator, then the scheduler (its workers report to the API).
    public static func parts(
        _ configuration: StackConfiguration, paths: StackPaths, environment: [String: String]
    ) -> [StackPart] {
        var parts: [StackPart] = []
        if configuration.externalAMQPURI == nil {
            parts.append(RabbitMQNode(configuration: configuration, directory: paths.rabbitMQ).part)
        }
        if configuration.externalMongoURI == nil {
            parts.append(secantusDB(configuration, paths: paths, environment: environment))
        }
        let bin = URL(fileURLWithPath: configuration.binDirectory)
        let common = serviceEnvironment(configuration, environment: environment)
        let connections = ["--mongo-uri", configuration.mongoURI, "--amqp-uri", configuration.amqpURI]
        parts.append(
            StackPart(
                name: "training-service", executable: bin.appendingPathComponent("training-service").path,
                arguments: [
                    "--host", "127.0.0.1", "--port", "\(configuration.apiPort)", "--logs-dir", paths.local.path,
                    "--default-accelerator", configuration.accelerator,
                ] + connections,
                environment: common.merging(["TIDE_API_PASSWORD_SHA256": sha256Hex(configuration.apiToken)]) { $1 },
                port: configuration.apiPort, readiness: .http(path: "/readyz"), level: 1))
        parts.append(
            StackPart(
                name: "resource-allocator", executable: bin.appendingPathComponent("resource-allocator").path,
                arguments: ["--host", "127.0.0.1", "--port", "\(configuration.allocatorPort)", "--amqp-uri", configuration.amqpURI],
                environment: common, port: configuration.allocatorPort, readiness: .http(path: "/readyz"), level: 1))
        parts.append(
            StackPart(
                name: "scheduler", executable: bin.appendingPathComponent("scheduler").path,
                arguments: [
                    "--accelerator", configuration.accelerator, "--backend", "local", "--policy", configuration.policy,
                    "--host", "127.0.0.1", "--port", "\(configuration.schedulerPort)",
                    "--data-dir", paths.local.path, "--checkpoint-dir", paths.checkpoints.path,
                    "--api-url", configuration.apiURL, "--stop-grace", "\(configuration.stopGraceSeconds)",
                    "--min-resize-interval", "\(configuration.minResizeIntervalSeconds)",
                    "--tick-seconds", "\(configuration.tickSeconds)",
                ] + connections,
                environment: common, port: configuration.schedulerPort, readiness: .http(path: "/readyz"),
                level: 2, stopGrace: .seconds(configuration.stopGraceSeconds + 15)))
        return parts
    }

    /// The metrics collector's one-shot run, started by the supervisor's timer.
    public static func collector(_ configuration: StackConfiguration, environment: [String: String]) -> StackPart {
        StackPart(
            name: "metrics-collector",
            executable: URL(fileURLWithPath: configuration.binDirectory).appendingPathComponent("metrics-collector").path,
            arguments: ["--mongo-uri", configuration.mongoURI, "--amqp-uri", configuration.amqpURI],
            environment: serviceEnvironment(configuration, environment: environment), port: nil, readiness: .listening,
            level: 3, stopGrace: .seconds(10))
    }

    /// What every service gets: a few basics of the caller's environment and the job-token secret.
    static func serviceEnvironment(_ configuration: StackConfiguration, environment: [String: String]) -> [String: String] {
        var result = ["TIDE_JOB_TOKEN_SECRET": configuration.jobTokenSecret]
        for key in ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "LD_LIBRARY_PATH", "USER", "LOGNAME"] {
            if let value = environment[key] { result[key] = value }
        }
        result["PATH"] = result["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return result
    }

    static func secantusDB(_ configuration: StackConfiguration, paths: StackPaths, environment: [String: String]) -> StackPart {
        StackPart(
            name: "secantusdb", executable: SecantusDBServer.locate(environment: environment) ?? "secantusd-py",
            arguments: [
                "--host", "127.0.0.1", "--port", "\(configuration.mongoPort)",
                "--storage-path", paths.secantusDB.appendingPathComponent("data").path,
                // Without it a killed server loses acknowledged writes.
                "--sync-on-commit", "--log-level", "WARNING",
            ],
            environment: serviceEnvironment(configuration, environment: environment),
            port: configuration.mongoPort, readiness: .listening, level: 0, stopGrace: .seconds(30))
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
