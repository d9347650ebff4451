import Foundation
import TidePorts
import TideStack

/// What `cmd up` decides before the supervisor starts: the configuration
/// (the last run's, changed by flags), the ports it needs, and, once the
/// stack is ready, the local node.
struct LocalStackSetup {
    let paths: StackPaths
    let environment: [String: String]

    static let defaultAccelerator = "local-gpu"
    static let defaultGPUs = 4

    /// The running `cmd`; the services are installed beside it.
    var cmdExecutable: String {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath().path
    }

    static func isGPUType(_ text: String) -> Bool {
        text.count <= 40 && text.wholeMatch(of: /[a-z0-9]([a-z0-9-]*[a-z0-9])?/) != nil
    }

    /// The last run's configuration with the flags applied, or a new one
    /// (free ports for the broker and database, fresh random tokens).
    func configuration(
        gpus: Int?, accelerator: String?, policy: String?, collectorInterval: Double?, minResizeInterval: Double?,
        tickSeconds: Double?, ports: (api: Int?, scheduler: Int?, allocator: Int?)
    ) throws -> StackConfiguration {
        var configuration: StackConfiguration
        // 0 asks for any free port; the one chosen is kept for the next run.
        func chosen(_ port: Int) throws -> Int { port == 0 ? try PortCheck.freePort() : port }
        do {
            if let last = try StackConfiguration.load(from: paths.configuration) {
                configuration = last
            } else {
                configuration = StackConfiguration(
                    accelerator: Self.defaultAccelerator, gpus: LabelNodeCommand.detectedGPUs() ?? Self.defaultGPUs,
                    amqpPort: try PortCheck.freePort(), amqpDistributionPort: try PortCheck.freePort(),
                    mongoPort: try PortCheck.freePort(), binDirectory: "", apiToken: Self.randomToken(),
                    jobTokenSecret: Self.randomToken())
            }
            if let api = ports.api { configuration.apiPort = try chosen(api) }
            if let scheduler = ports.scheduler { configuration.schedulerPort = try chosen(scheduler) }
            if let allocator = ports.allocator { configuration.allocatorPort = try chosen(allocator) }
        } catch let error as StackError {
            throw CommandFailure(error.description)
        } catch let error as PortError {
            throw CommandFailure(error.description)
        }
        configuration.binDirectory = URL(fileURLWithPath: cmdExecutable).deletingLastPathComponent().path
        if let gpus { configuration.gpus = gpus }
        if let accelerator { configuration.accelerator = accelerator }
        if let policy { configuration.policy = policy }
        if let collectorInterval { configuration.collectorIntervalSeconds = collectorInterval }
        if let minResizeInterval { configuration.minResizeIntervalSeconds = minResizeInterval }
        if let tickSeconds { configuration.tickSeconds = tickSeconds }
        configuration.externalAMQPURI = environment["TIDE_AMQP_URI"].nonEmpty
        configuration.externalMongoURI = environment["TIDE_MONGO_URI"].nonEmpty
        return configuration
    }

    /// Every port the stack listens on must be free: a clear message naming the taken one otherwise.
    func checkPortsFree(_ configuration: StackConfiguration) throws {
        var wanted: [(Int, String, String)] = [
            (configuration.apiPort, "the training service", "--api-port"),
            (configuration.schedulerPort, "the scheduler", "--scheduler-port"),
            (configuration.allocatorPort, "the allocator", "--allocator-port"),
        ]
        if configuration.externalAMQPURI == nil {
            wanted.append((configuration.amqpPort, "RabbitMQ", "amqpPort in \(paths.configuration.path)"))
            wanted.append((configuration.amqpDistributionPort, "RabbitMQ's distribution", "amqpDistributionPort in \(paths.configuration.path)"))
        }
        if configuration.externalMongoURI == nil {
            wanted.append((configuration.mongoPort, "SecantusDB", "mongoPort in \(paths.configuration.path)"))
        }
        for (port, user, remedy) in wanted where !PortCheck.isFree(port) {
            throw CommandFailure("port \(port), for \(user), is taken by another program; stop it or change \(remedy)")
        }
    }

    /// `local-0` with the configured GPUs, through the API (which wakes the scheduler).
    func offerLocalNode(_ configuration: StackConfiguration) async throws {
        let client = TideAPIClient(
            settings: ClientSettings(
                server: configuration.apiURL, token: configuration.apiToken, tokenSource: paths.configuration.path,
                configPath: paths.configuration.path))
        _ = try await client.putNode("local-0", accelerator: configuration.accelerator, gpus: configuration.gpus, schedulable: true)
    }

    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
