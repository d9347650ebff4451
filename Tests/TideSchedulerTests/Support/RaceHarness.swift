import Foundation
import Logging
import Synchronization
import TideAllocation
import TideBackend
import TideCore
import TideJobs
import TideLocalBackend
import TideScheduler
import TideStore
import TideTestSupport

/// The database storage with gates on the reads and writes a round and an
/// exit interleave on.
struct GatedStorage: SchedulerStorage {
    let inner: MongoSchedulerStorage
    /// Holds a full refresh after it has read the active jobs.
    let afterActiveJobs = Gate()
    /// Holds a status write before it is made.
    let beforeStatusWrite = Gate()
    /// Holds a read of one job (a full refresh reads so the jobs canceled while running).
    let beforeJobRead = Gate()
    /// Holds a save of a scheduler record before it reaches the database, as a slow
    /// connection of the pool would.
    let beforeSave = Gate()
    /// Makes the next read of the active jobs fail, as a database that is away would.
    let failNextActiveJobs = OneFailure()

    func activeJobs(accelerator: String) async throws -> [StoredJob] {
        try failNextActiveJobs.check()
        let active = try await inner.activeJobs(accelerator: accelerator)
        await afterActiveJobs.pass()
        return active
    }

    func updateStatus(job: String, accelerator: String, _ change: @Sendable (inout JobStatus) -> Void) async throws -> StoredJob? {
        await beforeStatusWrite.pass()
        return try await inner.updateStatus(job: job, accelerator: accelerator, change)
    }

    func job(named name: String) async throws -> StoredJob? {
        await beforeJobRead.pass()
        return try await inner.job(named: name)
    }
    func jobs(named names: [String]) async throws -> [StoredJob] { try await inner.jobs(named: names) }
    func nodes(accelerator: String) async throws -> [NodeRecord] { try await inner.nodes(accelerator: accelerator) }
    func info(jobs: [String]) async throws -> [String: JobInfo] { try await inner.info(jobs: jobs) }
    func save(_ record: SchedulerRecord, job: String) async throws {
        await beforeSave.pass()
        try await inner.save(record, job: job)
    }
    func move(job: String, from: String, to accelerator: String, message: String) async throws -> StoredJob? {
        try await inner.move(job: job, from: from, to: accelerator, message: message)
    }
    func record(_ event: JobHistoryEvent) async throws { try await inner.record(event) }
}

/// An error thrown once, when armed.
final class OneFailure: Sendable {
    struct Injected: Error {}
    private let armed = Mutex(false)

    func arm() { armed.withLock { $0 = true } }

    func check() throws {
        let fire = armed.withLock { armed in
            defer { armed = false }
            return armed
        }
        if fire { throw Injected() }
    }
}

/// The allocation library in process, held at a gate before it answers.
struct GatedAllocator: AllocatorCalling {
    let beforeAnswer = Gate()

    func allocate(_ snapshot: AllocationSnapshot) async throws -> AllocationDecision {
        await beforeAnswer.pass()
        return try Allocator.allocate(snapshot)
    }
}

/// The local backend with a gate before each start (of workers of one index only, when given).
final class GatedBackend: ClusterBackend {
    let inner: LocalBackend
    let beforeStart = Gate()
    let heldIndex = Mutex<Int?>(nil)
    /// Starts of workers of this index are refused, as a cluster out of quota refuses a pod.
    let refusedIndex = Mutex<Int?>(nil)

    init(inner: LocalBackend) {
        self.inner = inner
    }

    func start(_ launch: WorkerLaunch) async throws {
        if heldIndex.withLock({ $0 == nil || $0 == launch.id.index }) { await beforeStart.pass() }
        if refusedIndex.withLock({ $0 == launch.id.index }) {
            throw BackendError("pods \"\(launch.id)\" is forbidden: exceeded quota", blamesJob: false)
        }
        try await inner.start(launch)
    }

    func stop(_ worker: WorkerID, grace: Duration) async throws { try await inner.stop(worker, grace: grace) }
    var exits: AsyncStream<WorkerExit> { inner.exits }
    func adopt() async throws -> Adoption { try await inner.adopt() }
    func forget(_ worker: WorkerID) async throws { try await inner.forget(worker) }
}

struct SilentAnnouncer: StatusAnnouncing {
    func announce(_ job: StoredJob) async throws {}
    func announceMoved(_ job: StoredJob) async throws {}
}

/// The wall clock, moved forward by what a test adds.
final class ShiftedClock: Sendable {
    private let offset = Mutex<Double>(0)

    var now: Double { Date().timeIntervalSince1970 + offset.withLock { $0 } }

    func advance(by seconds: Double) { offset.withLock { $0 += seconds } }
}

/// One scheduler on the shared database server, with real worker processes
/// (the local backend) and its storage and allocator behind gates; the test
/// drives its rounds and hands it its exits, as `SchedulerService` would.
final class RaceHarness: Sendable {
    static let accelerator = "v100"

    let store: MongoStore
    let storage: GatedStorage
    let allocator = GatedAllocator()
    let backend: GatedBackend
    let scheduler: Scheduler
    /// Workers wait for this file, then exit with their job's `EXIT_CODE`.
    let releaseFile: URL
    /// The clock the scheduler reads: a test moves it past a backoff.
    let clock = ShiftedClock()
    private let directory: URL

    private init(store: MongoStore, backend: LocalBackend, directory: URL, policy: String, minResizeInterval: Double) {
        self.store = store
        self.backend = GatedBackend(inner: backend)
        self.directory = directory
        releaseFile = directory.appendingPathComponent("release")
        storage = GatedStorage(inner: MongoSchedulerStorage(store: store))
        let clock = self.clock
        scheduler = Self.scheduler(
            storage: storage, allocator: allocator, backend: self.backend, directory: directory, policy: policy,
            minResizeInterval: minResizeInterval, clock: { clock.now })
    }

    private static func scheduler(
        storage: any SchedulerStorage, allocator: any AllocatorCalling, backend: any ClusterBackend, directory: URL,
        policy: String = "tide", minResizeInterval: Double = 60,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) -> Scheduler {
        var logger = Logger(label: "tide.scheduler.race-test")
        logger.logLevel = .warning
        var settings = SchedulerSettings(accelerator: Self.accelerator, policy: policy)
        settings.minResizeInterval = minResizeInterval
        settings.stopGrace = .seconds(2)
        settings.gangStartTimeout = .seconds(30)
        return Scheduler(
            settings: settings, storage: storage, allocator: allocator, backend: backend,
            launches: WorkerLaunches(apiURL: "http://127.0.0.1:1", tokens: nil, checkpointRoot: directory.path + "/checkpoints"),
            announcer: SilentAnnouncer(), clock: clock, logger: logger, requestRound: { _ in })
    }

    private static func localBackend(_ directory: URL) throws -> LocalBackend {
        var logger = Logger(label: "tide.local-backend.race-test")
        logger.logLevel = .warning
        return try LocalBackend(
            dataDirectory: directory, shim: try builtExecutable("tide-worker-shim"), logger: logger,
            pollInterval: .milliseconds(20))
    }

    /// A second scheduler on the same database and worker directory, as a
    /// standby that takes over (or a restart) would be, with storage gates of its
    /// own; it has not recovered yet.
    func successor() throws -> (scheduler: Scheduler, backend: LocalBackend, storage: GatedStorage) {
        let backend = try Self.localBackend(directory)
        let storage = GatedStorage(inner: storage.inner)
        let scheduler = Self.scheduler(storage: storage, allocator: InProcessAllocator(), backend: backend, directory: directory)
        return (scheduler, backend, storage)
    }

    /// The worker's directory in the local backend's data directory.
    func workerDirectory(_ id: WorkerID) -> URL {
        directory.appendingPathComponent("workers/\(id.job).\(id.run).\(id.index)", isDirectory: true)
    }

    /// A scheduler on a database of its own with one 4-GPU node.
    static func make(policy: String = "tide", minResizeInterval: Double = 60) async throws -> RaceHarness {
        let store = try await MongoStore.connect(uri: try TestServers.mongoURI, database: TestServers.uniqueName("race"))
        try await store.ensureSchema()
        try await store.collection(StoreSchema.nodes, of: NodeRecord.self).save(
            NodeRecord(name: "local", accelerator: accelerator, gpus: 4, updated: Date()))
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tide-race-\(UUID().uuidString.prefix(8))", isDirectory: true)
        return RaceHarness(
            store: store, backend: try localBackend(directory), directory: directory, policy: policy,
            minResizeInterval: minResizeInterval)
    }

    /// Submits a one-worker job whose worker exits with `exitCode` once released.
    func submit(_ name: String, exitCode: Int, maxRetries: Int = 0) async throws {
        try await submit(name, workers: 1, script: "\(waitForRelease); exit \(exitCode)", maxRetries: maxRetries)
    }

    /// The shell loop that waits for `releaseWorkers`.
    var waitForRelease: String { "while [ ! -e \"\(releaseFile.path)\" ]; do sleep 0.05; done" }

    /// Submits a job of `workers` workers running `/bin/sh -c script`.
    func submit(_ name: String, workers: Int, script: String, maxRetries: Int = 0) async throws {
        try await submit(name, min: workers, max: workers, script: script, maxRetries: maxRetries)
    }

    /// Submits a job of `min` to `max` workers running `/bin/sh -c script`.
    func submit(
        _ name: String, min: Int, max: Int, resize: TideCore.ResizeMode = .restart, script: String, maxRetries: Int = 0
    ) async throws {
        var spec = Fixtures.spec(name, min: min, max: max, resize: resize, maxRetries: maxRetries)
        spec.template = .object(["command": .array([.string("/bin/sh"), .string("-c"), .string(script)])])
        let jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs)
        _ = try await jobs.create(JobRecord(job: StoredJob(submitting: spec, storedName: name, at: Date())))
    }

    /// Lets every worker exit.
    func releaseWorkers() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: releaseFile.path, contents: Data())
    }

    /// The job as stored.
    func job(_ name: String) async throws -> StoredJob? {
        try await storage.inner.job(named: name)
    }

    /// The job's history entries, oldest first.
    func history(_ name: String) async throws -> [String] {
        try await EventStore<JobHistoryEvent>(store).list(job: name).map(\.event.type)
    }

    func close() async {
        try? releaseWorkers()
        try? await store.dropDatabase()
        await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
