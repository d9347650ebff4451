import Foundation

/// A local stack's settings, chosen by the first `cmd up` and kept in
/// `stack.json`, so that later runs reuse the same ports, secrets and data.
public struct StackConfiguration: Codable, Sendable, Equatable {
    /// The GPU type of the local node and of the one scheduler.
    public var accelerator: String
    /// GPUs offered on the local node `local-0`.
    public var gpus: Int
    public var policy: String
    /// Ports of the training service, the scheduler and the allocator.
    public var apiPort: Int
    public var schedulerPort: Int
    public var allocatorPort: Int
    /// Ports of the bundled broker and database (unused when external URIs are given).
    public var amqpPort: Int
    public var amqpDistributionPort: Int
    public var mongoPort: Int
    /// An existing broker or database (`TIDE_AMQP_URI`, `TIDE_MONGO_URI`) instead of the bundled ones.
    public var externalAMQPURI: String?
    public var externalMongoURI: String?
    /// Where `training-service`, `scheduler`, ... are installed.
    public var binDirectory: String
    public var collectorIntervalSeconds: Double
    public var stopGraceSeconds: Double
    public var minResizeIntervalSeconds: Double
    public var tickSeconds: Double
    /// The API token users present; the services get only its SHA-256.
    public var apiToken: String
    /// Signs workers' progress tokens (`TIDE_JOB_TOKEN_SECRET`).
    public var jobTokenSecret: String

    public init(
        accelerator: String, gpus: Int, policy: String = "tide", apiPort: Int = 55587, schedulerPort: Int = 55588,
        allocatorPort: Int = 55589, amqpPort: Int, amqpDistributionPort: Int, mongoPort: Int,
        externalAMQPURI: String? = nil, externalMongoURI: String? = nil, binDirectory: String,
        collectorIntervalSeconds: Double = 60, stopGraceSeconds: Double = 10, minResizeIntervalSeconds: Double = 60,
        tickSeconds: Double = 5, apiToken: String, jobTokenSecret: String
    ) {
        self.accelerator = accelerator
        self.gpus = gpus
        self.policy = policy
        self.apiPort = apiPort
        self.schedulerPort = schedulerPort
        self.allocatorPort = allocatorPort
        self.amqpPort = amqpPort
        self.amqpDistributionPort = amqpDistributionPort
        self.mongoPort = mongoPort
        self.externalAMQPURI = externalAMQPURI
        self.externalMongoURI = externalMongoURI
        self.binDirectory = binDirectory
        self.collectorIntervalSeconds = collectorIntervalSeconds
        self.stopGraceSeconds = stopGraceSeconds
        self.minResizeIntervalSeconds = minResizeIntervalSeconds
        self.tickSeconds = tickSeconds
        self.apiToken = apiToken
        self.jobTokenSecret = jobTokenSecret
    }

    public var amqpURI: String { externalAMQPURI ?? "amqp://guest:guest@127.0.0.1:\(amqpPort)/" }
    public var mongoURI: String { externalMongoURI ?? "mongodb://127.0.0.1:\(mongoPort)/?directConnection=true" }
    public var apiURL: String { "http://127.0.0.1:\(apiPort)" }

    /// The file's settings, or nil if there is none.
    public static func load(from file: URL) throws -> StackConfiguration? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        do {
            return try JSONDecoder().decode(StackConfiguration.self, from: data)
        } catch {
            throw StackError("\(file.path) is not a stack configuration (\(error)); remove it to start afresh")
        }
    }

    /// Written whole (a temporary file renamed), readable by its owner only.
    public func save(to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: file, mode: 0o600)
    }
}
