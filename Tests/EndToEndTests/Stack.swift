import Foundation
import Synchronization
import TideAPI
import TideHTTP
import TideJobs
import TideStore
import TideTestSupport

/// A Tide stack of real processes on the shared test broker and database: a
/// training service, an allocator and one scheduler with the local backend,
/// on a database and a GPU type of its own, so stacks run side by side.
final class Stack: Sendable {
    static let token = "e2e-token"
    static let jobSecret = "e2e-job-secret"

    let accelerator: String
    let database: String
    /// The broker and database this stack uses: the shared ones, or a test's own.
    let servers: Servers
    let directory: URL
    let store: MongoStore
    private let processes: Mutex<(service: ChildProcess, allocator: ChildProcess, scheduler: ChildProcess?, api: String)>
    private let schedulerArguments: [String]

    /// A broker's and a database's URIs.
    struct Servers: Sendable {
        var amqp: String
        var mongo: String

        static var shared: Servers { get throws { Servers(amqp: try TestServers.amqpURI, mongo: try TestServers.mongoURI) } }
    }

    private init(
        accelerator: String, database: String, directory: URL, api: String, store: MongoStore, service: ChildProcess,
        allocator: ChildProcess, schedulerArguments: [String], servers: Servers
    ) {
        self.servers = servers
        self.accelerator = accelerator
        self.database = database
        self.directory = directory
        self.store = store
        self.schedulerArguments = schedulerArguments
        processes = Mutex((service, allocator, nil, api))
    }

    /// The training service's URL (it changes when the service restarts on a new port).
    var api: String { processes.withLock { $0.api } }
    var scheduler: ChildProcess? { processes.withLock { $0.scheduler } }

    static func environment() -> [String: String] {
        [
            "PATH": "/usr/bin:/bin", "TIDE_API_PASSWORD_SHA256": TokenCheck.digestHex(of: token),
            "TIDE_JOB_TOKEN_SECRET": jobSecret,
        ]
    }

    static func startService(
        database: String, logs: URL, servers: Servers, arguments: [String]? = nil
    ) async throws -> (ChildProcess, String) {
        let service = try ChildProcess(
            [
                try builtExecutable("training-service").path, "--port", "0", "--host", "127.0.0.1",
                "--mongo-uri", servers.mongo, "--database", database, "--amqp-uri", servers.amqp,
            ] + (arguments ?? ["--logs-dir", logs.path]), environment: environment())
        let port = try await service.waitForLog(#"listening on 127\.0\.0\.1:(\d+)"#)
        return (service, "http://127.0.0.1:\(port)")
    }

    static func startAllocator(servers: Servers) async throws -> ChildProcess {
        let allocator = try ChildProcess(
            [
                try builtExecutable("resource-allocator").path, "--port", "0", "--host", "127.0.0.1",
                "--amqp-uri", servers.amqp,
            ], environment: environment())
        _ = try await allocator.waitForLog("serving allocation requests")
        return allocator
    }

    /// Stops (SIGKILL when `killing`) and starts the training service; returns its new URL.
    func restartService(killing: Bool) async throws -> String {
        let old = processes.withLock { $0.service }
        if killing { old.signal(SIGKILL) }
        await old.stop()
        let (service, api) = try await Self.startService(
            database: database, logs: directory.appendingPathComponent("workers"), servers: servers)
        processes.withLock {
            $0.service = service
            $0.api = api
        }
        return api
    }

    func restartAllocator(killing: Bool) async throws {
        let old = processes.withLock { $0.allocator }
        if killing { old.signal(SIGKILL) }
        await old.stop()
        let allocator = try await Self.startAllocator(servers: servers)
        processes.withLock { $0.allocator = allocator }
    }

    /// Starts the three services and offers `gpus` GPUs on one node.
    static func start(gpus: Int = 4, schedulerArguments: [String] = [], servers: Servers? = nil) async throws -> Stack {
        let servers = try servers ?? Servers.shared
        let accelerator = TestServers.uniqueName("e2e")
        let database = TestServers.uniqueName("e2e")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(accelerator)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try await MongoStore.connect(uri: servers.mongo, database: database)
        try await store.ensureSchema()
        let (service, api) = try await startService(
            database: database, logs: directory.appendingPathComponent("workers"), servers: servers)
        let allocator = try await startAllocator(servers: servers)
        let stack = Stack(
            accelerator: accelerator, database: database, directory: directory, api: api, store: store,
            service: service, allocator: allocator, schedulerArguments: schedulerArguments, servers: servers)
        try await stack.setNode("local-0", gpus: gpus)
        try await stack.startScheduler()
        return stack
    }

    /// Runs `body` on a new stack and stops it afterwards, whatever `body` did.
    static func with(
        gpus: Int = 4, schedulerArguments: [String] = [], servers: Servers? = nil, _ body: (Stack) async throws -> Void
    ) async throws {
        let stack = try await start(gpus: gpus, schedulerArguments: schedulerArguments, servers: servers)
        do {
            try await body(stack)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    /// Starts (or restarts) the scheduler; returns once it schedules.
    func startScheduler() async throws {
        let process = try ChildProcess(
            [
                try builtExecutable("scheduler").path, "--accelerator", accelerator, "--port", "0", "--host", "127.0.0.1",
                "--mongo-uri", servers.mongo, "--database", database, "--amqp-uri", servers.amqp,
                "--data-dir", directory.appendingPathComponent("workers").path,
                "--checkpoint-dir", directory.appendingPathComponent("checkpoints").path, "--api-url", api,
                "--stop-grace", "2", "--min-resize-interval", "0", "--tick-seconds", "1",
            ] + schedulerArguments,
            environment: ["PATH": "/usr/bin:/bin", "TIDE_JOB_TOKEN_SECRET": Self.jobSecret])
        _ = try await process.waitForLog("scheduling")
        processes.withLock { $0.scheduler = process }
    }

    /// Starts one run of the metrics collector on this stack's servers and database.
    func startCollector() throws -> ChildProcess {
        try ChildProcess(
            [
                try builtExecutable("metrics-collector").path, "--mongo-uri", servers.mongo, "--database", database,
                "--amqp-uri", servers.amqp,
            ], environment: Self.environment())
    }

    /// Offers a node's GPUs to this stack's GPU type; `announce` goes through the API (which wakes the scheduler).
    func setNode(_ name: String, gpus: Int, announce: Bool = false) async throws {
        if announce {
            let (status, json) = try await Client(api: api).send(
                "PUT", "/v1/nodes/\(name)", body: #"{"accelerator": "\#(accelerator)", "gpus": \#(gpus)}"#)
            guard status == 200 || status == 201 else { throw Client.Failure(description: "PUT node answered \(status): \(json)") }
            return
        }
        let nodes = store.collection(StoreSchema.nodes, of: NodeRecord.self)
        try await nodes.save(NodeRecord(name: name, accelerator: accelerator, gpus: gpus, updated: Date()))
    }

    func stop() async {
        let (service, allocator, scheduler, _) = processes.withLock { $0 }
        if let scheduler { await scheduler.stop() }
        await allocator.stop()
        await service.stop()
        // Workers outlive a scheduler by design; a test's workers end with the test.
        // TERM first: each shim passes it on to its worker's process group; KILL what is left.
        _ = try? Spawn.run(["/usr/bin/pkill", "-TERM", "-f", directory.path])
        try? await Task.sleep(for: .milliseconds(500))
        _ = try? Spawn.run(["/usr/bin/pkill", "-KILL", "-f", directory.path])
        try? await store.dropDatabase()
        await store.close()
    }
}
