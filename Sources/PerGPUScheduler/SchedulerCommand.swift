import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TideBackend
import TideBroker
import TideCore
import TideJobs
import TideKube
import TideKubeBackend
import TideScheduler
import TideServiceKit
import TideStore

/// `scheduler --accelerator TYPE`: one GPU type's scheduler. Rounds on job,
/// node and metrics events, worker exits and a tick; asks the allocator;
/// applies each decision through the backend; until SIGTERM or SIGINT.
/// Workers keep running when it stops: the next scheduler adopts them.
@main
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Tide's per-GPU-type scheduler.",
        discussion: "Workers get TIDE_JOB_TOKEN signed with TIDE_JOB_TOKEN_SECRET (without it, no token: progress reports are refused).")

    @Option(help: "The GPU type to schedule (value of the node label).")
    var accelerator: String

    @Option(help: "Cluster backend: local (processes on this machine) or kubernetes (worker pods).")
    var backend = "local"

    @OptionGroup var kubernetesOptions: KubernetesOptions

    @Option(help: "Kubernetes: the node label naming a node's GPU type (vodascheduler/accelerator beside Voda).")
    var nodeLabelKey = "tide/accelerator"

    @Option(help: "Kubernetes: this replica's name in the Lease and events (default: POD_NAME, else the host name).")
    var identity: String?

    @Option(help: "Kubernetes: seconds a Lease holder that stopped renewing keeps it (it renews every third of that).")
    var leaseSeconds = 15

    @Option(help: "Allocation policy (switch at run time with PUT /policy).")
    var policy = "tide"

    @Option(help: "Port for /healthz, /readyz, /metrics and /policy (0 = any free port).")
    var port = 55588

    @Option(help: "Address to listen on.")
    var host = "0.0.0.0"

    @OptionGroup var store: StoreOptions

    @OptionGroup var broker: BrokerOptions

    @Option(help: "Local backend: where worker records and logs live (default: TIDE_DATA_DIR/local, else ./tide-data/local).")
    var dataDir: String?

    @Option(help: "Where workers checkpoint, one directory per job (default: TIDE_DATA_DIR/checkpoints).")
    var checkpointDir: String?

    @Option(help: "The training service URL workers report progress to (TIDE_API).")
    var apiURL = "http://127.0.0.1:55587"

    @Option(help: "Seconds a stopping worker gets between SIGTERM and SIGKILL.")
    var stopGrace = 10.0

    @Option(help: "Seconds a gang's workers get to all start; past it the run gives its GPUs back and waits again.")
    var gangStartTimeout = 120.0

    @Option(help: "A job resized less than this many seconds ago keeps its count.")
    var minResizeInterval = 60.0

    @Option(help: "Milliseconds that merge a burst of events into one round.")
    var debounceMilliseconds = 20

    @Option(help: "Seconds between rounds when nothing happens.")
    var tickSeconds = 5.0

    func validate() throws {
        do {
            try BrokerNames.validAccelerator(accelerator)
        } catch {
            throw ValidationError("--accelerator: \(error)")
        }
        guard backend == "local" || backend == "kubernetes" else {
            throw ValidationError("--backend \(backend): choose local or kubernetes")
        }
        guard !nodeLabelKey.isEmpty, !nodeLabelKey.contains(where: { $0 == "=" || $0 == "," || $0 == " " }) else {
            throw ValidationError("--node-label-key '\(nodeLabelKey)' is not a label key (such as tide/accelerator)")
        }
        guard leaseSeconds >= 2 else { throw ValidationError("--lease-seconds must be at least 2") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard stopGrace >= 0, tickSeconds > 0, minResizeInterval >= 0, debounceMilliseconds >= 0, gangStartTimeout > 0 else {
            throw ValidationError("--stop-grace, --min-resize-interval and --debounce-milliseconds must not be negative; --tick-seconds and --gang-start-timeout must be positive")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "tide.scheduler.\(accelerator)")
        logger.logLevel = .info
        let root = environment["TIDE_DATA_DIR"] ?? FileManager.default.currentDirectoryPath + "/tide-data"
        let broker = try BrokerConfiguration(uri: self.broker.uri)
        let store = try await MongoStore.connect(uri: self.store.uri, database: self.store.database)
        try await store.ensureSchema()
        let rpc = try await RPCClient(configuration: broker, logger: logger, name: "tide-scheduler-rpc")
        let publisher = try await Publisher(configuration: broker, topology: .exchanges, logger: logger, name: "tide-scheduler-events")
        let kubernetes = backend == "kubernetes"
        let workers: any ClusterBackend
        var kube: (client: KubeClient, backend: KubernetesBackend, connection: KubeConnection, identity: String)?
        if kubernetes {
            let connection = try kubeConnection(environment: environment)
            let client = KubeClient(connection: connection)
            let identity = replicaIdentity(environment: environment)
            var configuration = KubernetesBackend.Configuration(
                namespace: connection.namespace, accelerator: accelerator, instance: identity)
            configuration.labelKey = nodeLabelKey
            let pods = KubernetesBackend(client: client, configuration: configuration, logger: logger)
            kube = (client, pods, connection, identity)
            workers = pods
        } else {
            workers = try makeLocalBackend(directory: dataDir ?? root + "/local", logger: logger)
        }

        var settings = SchedulerSettings(accelerator: accelerator, policy: policy)
        settings.minResizeInterval = minResizeInterval
        settings.stopGrace = .milliseconds(Int64(stopGrace * 1000))
        settings.gangStartTimeout = .microseconds(Int64(gangStartTimeout * 1_000_000))
        let trigger = RoundTrigger()
        let launches = WorkerLaunches(
            apiURL: apiURL, tokens: environment["TIDE_JOB_TOKEN_SECRET"].map(JobTokens.init(secret:)),
            checkpointRoot: checkpointDir ?? (kubernetes ? WorkerPod.checkpointMountPath : root + "/checkpoints"),
            // A pod's environment is its image's, not the scheduler's.
            baseEnvironment: kubernetes
                ? [:] : environment.filter { ["PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "TMPDIR"].contains($0.key) },
            workingDirectory: FileManager.default.currentDirectoryPath, containers: kubernetes)
        // Under a lease, the term it is held in goes with every write of a job: a former
        // leader's writes still under way are refused once this one has written.
        let term = kube == nil ? nil : LeadershipTerm()
        let scheduler = Scheduler(
            settings: settings, storage: MongoSchedulerStorage(store: store, term: term), allocator: RPCAllocator(client: rpc),
            backend: workers, launches: launches, announcer: BrokerStatusAnnouncer(publisher: publisher), logger: logger,
            requestRound: { trigger.wake(after: $0) })
        let metrics = SchedulerMetrics(accelerator: accelerator)
        let readiness = Readiness()
        var timing = SchedulerService.Timing()
        timing.debounce = .milliseconds(debounceMilliseconds)
        timing.tick = .milliseconds(Int64(tickSeconds * 1000))
        let service = SchedulerService(
            scheduler: scheduler, trigger: trigger, backend: workers, broker: broker, timing: timing, metrics: metrics,
            readiness: { readiness.set($0) }, logger: logger)
        let app = Application(
            router: SchedulerRoutes.router(scheduler: scheduler, metrics: metrics, readiness: readiness),
            configuration: .init(address: .hostname(host, port: port), serverName: "tide-scheduler"), logger: logger)
        var services: [any Service] = [app]
        if let kube {
            // Only the Lease's holder mirrors nodes and schedules; probes answer on every replica.
            let mirror = NodeMirror(
                client: kube.client, accelerator: accelerator, labelKey: nodeLabelKey, sink: MongoNodeOffers(store: store),
                logger: logger, changed: { trigger.wake() })
            let leading = ServiceGroup(configuration: .init(services: [mirror, service], logger: logger))
            let lease = KubeLease(
                client: kube.client, namespace: kube.connection.namespace, name: "tide-scheduler-\(accelerator)",
                identity: kube.identity, seconds: leaseSeconds)
            services.append(LeaderElectedService(lease: lease, inner: leading, term: term, logger: logger))
        } else {
            services.append(service)
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await kube?.backend.shutdown()
        rpc.close()
        publisher.close()
        await store.close()
    }
}
