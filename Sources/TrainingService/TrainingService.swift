import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TideAPI
import TideBroker
import TideJobs
import TideStore

/// `training-service`: the REST API. Parses its configuration, connects the store,
/// and runs the HTTP server and the outbox republisher until SIGTERM or SIGINT.
@main
struct TrainingService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training-service",
        abstract: "Tide's REST API: validates, stores and publishes jobs.",
        discussion: """
            The API token's SHA-256 (hex) comes from TIDE_API_PASSWORD_SHA256 (or GOD_PASSWORD_SHA256); \
            without it every /v1 request but /v1/openapi.yaml is refused.
            """)

    @Option(help: "Port to listen on (0 = any free port).")
    var port = 55587

    @Option(help: "Address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "MongoDB URI (default: TIDE_MONGO_URI, else mongodb://127.0.0.1:27017).")
    var mongoURI: String?

    @Option(help: "MongoDB database.")
    var database = "tide"

    @Option(help: "RabbitMQ URI (default: TIDE_AMQP_URI, else amqp://guest:guest@127.0.0.1:5672/).")
    var amqpURI: String?

    @Option(help: "GPU type for an MPIJob whose workers name none.")
    var defaultAccelerator: String?

    @Option(help: "Largest request body in bytes; larger ones get 413.")
    var bodyLimit = 1 << 20

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard bodyLimit >= 1 else { throw ValidationError("--body-limit must be at least 1 byte") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "tide.training-service")
        logger.logLevel = .info

        var settings = APIConfiguration()
        settings.bodyLimit = bodyLimit
        settings.defaultAccelerator = defaultAccelerator
        settings.passwordSHA256 = try APIConfiguration.passwordDigest(environment: environment)
        settings.jobTokens = environment["TIDE_JOB_TOKEN_SECRET"].map(JobTokens.init(secret:))
        if settings.passwordSHA256 == nil {
            logger.warning("no TIDE_API_PASSWORD_SHA256: every authenticated request will be refused")
        }

        let mongo = mongoURI ?? environment["TIDE_MONGO_URI"] ?? "mongodb://127.0.0.1:27017"
        let amqp = amqpURI ?? environment["TIDE_AMQP_URI"] ?? "amqp://guest:guest@127.0.0.1:5672/"
        let store = try await MongoStore.connect(uri: mongo, database: database)
        try await store.ensureSchema()
        let publisher = BrokerJobPublisher(configuration: try BrokerConfiguration(uri: amqp), logger: logger)

        let api = TrainingAPI(store: store, publisher: publisher, configuration: settings, logger: logger)
        let app = api.application(host: host, port: port)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await publisher.close()
        await store.close()
    }
}
