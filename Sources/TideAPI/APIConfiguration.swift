import Foundation
import TideJobs

/// What the training service's API is configured with (the executable fills it from flags and environment).
public struct APIConfiguration: Sendable {
    /// Requests with a larger body get 413 (default 1 MiB).
    public var bodyLimit: Int = 1 << 20
    /// The GPU type for an MPIJob whose workers name none (`--default-accelerator`).
    public var defaultAccelerator: String?
    /// The accepted API token's SHA-256 digest; nil refuses every authenticated request.
    public var passwordSHA256: [UInt8]?
    /// How long a request waits for the broker's confirm before answering anyway
    /// (the job is stored; the outbox publishes it later).
    public var publishTimeout: Duration = .seconds(2)
    /// How often the outbox republisher looks for unpublished changes.
    public var outboxInterval: Duration = .seconds(1)
    /// A change flagged for longer than this is published by any replica that finds it (one whose
    /// writer died, or whose write's answer was lost). Younger ones are left to their writer, which
    /// retries its own from memory every `outboxInterval`, and clears them when it is idle.
    public var outboxGrace: Duration = .seconds(30)
    /// How often a `watch=true` stream polls the event log.
    public var watchInterval: Duration = .milliseconds(250)
    /// Largest page a list serves.
    public var maxPageSize: Int = 1000
    /// Checks workers' progress tokens (`TIDE_JOB_TOKEN_SECRET`); nil refuses every progress report.
    public var jobTokens: JobTokens?
    /// Where worker logs are read from (the local backend's files, or pods); nil serves no logs.
    public var logs: (any WorkerLogSource)?
    /// Where progress samples go (a test gives its own queue).
    public var progressQueue = "tide.progress"

    public init() {}

    /// The digest from `TIDE_API_PASSWORD_SHA256`, else Pixyz's `GOD_PASSWORD_SHA256` (hex, 64 digits).
    public static func passwordDigest(environment: [String: String]) throws -> [UInt8]? {
        for key in ["TIDE_API_PASSWORD_SHA256", "GOD_PASSWORD_SHA256"] {
            guard let text = environment[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else { continue }
            guard let digest = TokenCheck.hexBytes(text), digest.count == 32 else {
                throw ConfigurationError("\(key) must be the SHA-256 of the API token as 64 hex digits")
            }
            return digest
        }
        return nil
    }
}

/// A configuration value the service cannot start with.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
