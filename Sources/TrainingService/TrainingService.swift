import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TideAPI
import TideBroker
import TideJobs
import TideKube
import TideServiceKit
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

    @OptionGroup var store: StoreOptions

    @OptionGroup var broker: BrokerOptions

    @Option(help: "GPU type for an MPIJob whose workers name none.")
    var defaultAccelerator: String?

    @Option(help: "The local backend's data directory, where GET /v1/jobs/{name}/logs reads worker logs (default: TIDE_DATA_DIR/local).")
    var logsDir: String?

    @Option(help: "Where worker logs come from: files (the local backend's, under --logs-dir) or kubernetes (the worker pods').")
    var logsFrom = "files"

    @OptionGroup var kubernetesOptions: KubernetesOptions

    @Option(help: "Largest request body in bytes; larger ones get 413.")
    var bodyLimit = 1 << 20

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard bodyLimit >= 1 else { throw ValidationError("--body-limit must be at least 1 byte") }
        guard logsFrom == "files" || logsFrom == "kubernetes" else {
            throw ValidationError("--logs-from \(logsFrom): choose files or kubernetes")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "tide.training-service")
        logger.logLevel = .info

        var settings = APIConfiguration()
        settings.bodyLimit = bodyLimit
        settings.defaultAccelerator = defaultAccelerator
        settings.passwordSHA256 = try APIConfiguration.passwordDigest(environment: environment)
        if logsFrom == "kubernetes" {
            let connection = try KubeConnection.resolve(
                kubeconfig: kubernetesOptions.kubeconfig, context: kubernetesOptions.kubeContext,
                namespace: kubernetesOptions.namespace, environment: environment)
            settings.logs = PodLogs(client: KubeClient(connection: connection), namespace: connection.namespace)
        } else if let directory = logsDir ?? environment["TIDE_DATA_DIR"].map({ $0 + "/local" }) {
            settings.logs = WorkerLogFiles(directory: URL(fileURLWithPath: directory))
        }
        settings.jobTokens = environment["TIDE_JOB_TOKEN_SECRET"].map(JobTokens.init(secret:))
        if settings.passwordSHA256 == nil {
            logger.warning("no TIDE_API_PASSWORD_SHA256: every authenticated request will be refused")
        }

        let store = try await MongoStore.connect(uri: self.store.uri, database: self.store.database)
        try await store.ensureSchema()
        let publisher = BrokerJobPublisher(configuration: try BrokerConfiguration(uri: broker.uri), logger: logger)

        let api = TrainingAPI(store: store, publisher: publisher, configuration: settings, logger: logger)
        let app = api.application(host: host, port: port)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await publisher.close()
        await store.close()
    }
}
