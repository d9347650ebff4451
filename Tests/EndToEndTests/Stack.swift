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
    let directory: URL
    let api: String
    let store: MongoStore
    let service: ChildProcess
    let allocator: ChildProcess
    private let schedulerProcess: Mutex<ChildProcess?>

    private init(
        accelerator: String, database: String, directory: URL, api: String, store: MongoStore, service: ChildProcess,
        allocator: ChildProcess
    ) {
        self.accelerator = accelerator
        self.database = database
        self.directory = directory
        self.api = api
        self.store = store
        self.service = service
        self.allocator = allocator
        schedulerProcess = Mutex(nil)
    }

    /// Starts the three services and offers `gpus` GPUs on one node.
    static func start(gpus: Int = 4) async throws -> Stack {
        let accelerator = TestServers.uniqueName("e2e")
        let database = TestServers.uniqueName("e2e")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(accelerator)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try await MongoStore.connect(uri: try TestServers.mongoURI, database: database)
        try await store.ensureSchema()
        let environment = [
            "PATH": "/usr/bin:/bin", "TIDE_API_PASSWORD_SHA256": TokenCheck.digestHex(of: token),
            "TIDE_JOB_TOKEN_SECRET": jobSecret,
        ]
        let service = try ChildProcess(
            [
                try builtExecutable("training-service").path, "--port", "0", "--host", "127.0.0.1",
                "--mongo-uri", try TestServers.mongoURI, "--database", database, "--amqp-uri", try TestServers.amqpURI,
            ], environment: environment)
        let port = try await service.waitForLog(#"listening on 127\.0\.0\.1:(\d+)"#)
        let allocator = try ChildProcess(
            [
                try builtExecutable("resource-allocator").path, "--port", "0", "--host", "127.0.0.1",
                "--amqp-uri", try TestServers.amqpURI,
            ], environment: environment)
        _ = try await allocator.waitForLog("serving allocation requests")
        let stack = Stack(
            accelerator: accelerator, database: database, directory: directory, api: "http://127.0.0.1:\(port)",
            store: store, service: service, allocator: allocator)
        try await stack.setNode("local-0", gpus: gpus)
        try await stack.startScheduler()
        return stack
    }

    /// Starts (or restarts) the scheduler; returns once it schedules.
    func startScheduler(extra: [String] = []) async throws {
        let process = try ChildProcess(
            [
                try builtExecutable("scheduler").path, "--accelerator", accelerator, "--port", "0", "--host", "127.0.0.1",
                "--mongo-uri", try TestServers.mongoURI, "--database", database, "--amqp-uri", try TestServers.amqpURI,
                "--data-dir", directory.appendingPathComponent("workers").path,
                "--checkpoint-dir", directory.appendingPathComponent("checkpoints").path, "--api-url", api,
                "--stop-grace", "2", "--min-resize-interval", "0", "--tick-seconds", "1",
            ] + extra,
            environment: ["PATH": "/usr/bin:/bin", "TIDE_JOB_TOKEN_SECRET": Self.jobSecret])
        _ = try await process.waitForLog("scheduling")
        schedulerProcess.withLock { $0 = process }
    }

    var scheduler: ChildProcess? { schedulerProcess.withLock { $0 } }

    /// Offers a node's GPUs to this stack's GPU type.
    func setNode(_ name: String, gpus: Int) async throws {
        let nodes = store.collection(StoreSchema.nodes, of: NodeRecord.self)
        try await nodes.upsert(
            ["name": .string(name)],
            set: ["accelerator": .string(accelerator), "gpus": .int(Int64(gpus)), "schedulable": true, "updated": .date(Date())])
    }

    func stop() async {
        if let scheduler { await scheduler.stop() }
        await allocator.stop()
        await service.stop()
        // Workers outlive a scheduler by design; a test's workers end with the test.
        _ = try? Spawn.run(["/usr/bin/pkill", "-KILL", "-f", directory.path])
        try? await store.dropDatabase()
        await store.close()
    }
}
