import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TideCore
import TideJobs
import TideStore

/// The training service's HTTP API (`/v1` of the spec),
/// with `/healthz`, `/readyz`, `/metrics` and its background outbox republisher.
public struct TrainingAPI: Sendable {
    public let configuration: APIConfiguration
    public let metrics: APIMetrics
    public let shutdown = ShutdownFlag()
    let store: MongoStore
    let service: JobService
    let outbox: Outbox
    let logger: Logger
    /// Progress samples and node changes go through it (the job publisher, when it can).
    let messages: (any MessagePublishing)?

    /// The API over `store` (which must have its schema, `MongoStore.ensureSchema`), publishing through `publisher`.
    public init(
        store: MongoStore, publisher: any JobEventPublishing, configuration: APIConfiguration,
        metrics: APIMetrics = APIMetrics(), logger: Logger = Logger(label: "tide.training-service"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        let jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs)
        let outbox = Outbox(
            jobs: jobs, publisher: publisher,
            pacing: OutboxClearer.Pacing(grace: configuration.outboxGrace, interval: configuration.outboxInterval),
            logger: logger)
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.outbox = outbox
        messages = publisher as? any MessagePublishing
        service = JobService(
            jobs: jobs, events: EventStore(store), outbox: outbox, configuration: configuration, logger: logger,
            clock: clock)
    }

    /// The background services that run beside the HTTP server.
    public var services: [any Service] {
        [
            OutboxRepublisher(
                outbox: outbox, interval: configuration.outboxInterval, grace: configuration.outboxGrace,
                timeout: configuration.publishTimeout, clock: { Date() }),
            ShutdownFlag.Watcher(flag: shutdown),
        ]
    }

    /// Writes the outbox clears queued so far, which otherwise wait for a quiet moment
    /// (benchmarks, so that one run's clears do not land in the next one's timing).
    public func settleOutbox() async {
        await outbox.clearer.flush()
    }

    /// One republisher pass now (tests; the service runs it in a loop).
    public func republishOutbox() async throws -> Int {
        try await outbox.republish(now: Date(), grace: .zero, timeout: configuration.publishTimeout)
    }

    /// The application: the router on `host:port` (0 = any free port) with the background services.
    public func application(host: String = "0.0.0.0", port: Int) -> some ApplicationProtocol {
        Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "tide"),
            services: services, logger: logger)
    }

    /// Serves on `host:port` until the task is cancelled (benchmarks and tools; the service
    /// itself runs `application` in its service group, with signal handling).
    public func serve(host: String, port: Int) async throws {
        try await application(host: host, port: port).runService()
    }

    /// Every route, with its middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(bodyLimit: configuration.bodyLimit))
        addProbes(to: router)
        // Outside the API token's group: a worker presents its job's own token.
        ProgressRoutes(api: self).add(to: router)
        router.get("v1/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
        }
        let v1 = router.group("v1").add(middleware: AuthMiddleware(check: TokenCheck(digest: configuration.passwordSHA256)))
        JobRoutes(api: self).add(to: v1)
        NodeRoutes(api: self).add(to: v1)
        LogRoutes(api: self).add(to: v1)
        // Last: it wraps only the not-found responder, which the router builds with every middleware.
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    private func addProbes(to router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in try JobRoutes.json(["status": "ok"]) }
        router.get("readyz") { _, _ in
            do {
                try await store.ping(retrying: false)
                return try JobRoutes.json(["status": "ready"])
            } catch {
                return try JobRoutes.json(
                    ["status": "not ready", "error": "the job store does not answer: \(error)"],
                    status: .serviceUnavailable)
            }
        }
        router.get("metrics") { _, _ in
            let jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs).collection
            var counts: [JobState: Int] = [:]
            for state in JobState.allCases {
                counts[state] = try await jobs.count([JobRecord.fields.status!: .string(state.rawValue)])
            }
            metrics.setJobs(counts)
            metrics.setOutbox(
                owed: outbox.owed.count, queuedClears: await outbox.clearer.queuedCount,
                flagged: try await jobs.count([JobRecord.outboxField: true]))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
    }
}
