import Foundation
import Logging
import TideBroker
import TideJobs
import TideMetrics
import TideStore
import TideTestSupport
import Testing

/// `metrics-collector` runs on the real broker and database, each test on a
/// queue, a database and a GPU type of its own.
@Suite struct CollectorProcessTests {
    /// A `job_info` document as the test reads it back, the scheduler's field included.
    struct InfoDocument: Codable, Sendable, Equatable {
        var name: String
        var scheduler: [String: String]?
        var estimate: JobEstimate?
        var progress: ProgressHistory?
    }

    /// The fields of a stored job the collector looks up for a metrics file.
    struct StoredJobStub: Codable, Sendable {
        struct Metadata: Codable, Sendable { var name: String }
        struct Spec: Codable, Sendable {
            var accelerator: String
            var epochs: Int
        }
        var metadata: Metadata
        var spec: Spec
    }

    let queue = TestServers.uniqueName("tide.progress.test")
    let database = TestServers.uniqueName("collector")
    let accelerator = TestServers.uniqueName("gpu")
    let logger = Logger(label: "collector-tests")

    /// One collector run to its end; fails the test unless it exits 0.
    func runCollector(_ extra: [String] = []) async throws -> String {
        let arguments = [
            try builtExecutable("metrics-collector").path, "--amqp-uri", try TestServers.amqpURI, "--mongo-uri",
            try TestServers.mongoURI, "--database", database, "--queue", queue,
        ] + extra
        let (status, output, errors) = try await offPool { try Spawn.run(arguments) }
        #expect(status == 0, "metrics-collector exited \(status):\n\(output)\n\(errors)")
        return output + errors
    }

    func sample(_ job: String, epoch: Int, workers: Int, seconds: Double, at time: Double) -> ProgressSample {
        ProgressSample(
            job: job, accelerator: accelerator, epoch: epoch, epochs: 20, workers: workers, epochSeconds: seconds,
            receivedAt: Date(timeIntervalSince1970: 1_795_000_000 + time))
    }

    /// Epochs of `t(n) = 10 + 90/n` seconds: at 2 workers, then at 4; the first at each width 20 s slower.
    func samples(_ job: String, widths: [Int], epochsEach: Int = 4, from start: Int = 1) -> [ProgressSample] {
        var time = 0.0, epoch = start - 1
        var samples: [ProgressSample] = []
        for workers in widths {
            for index in 0..<epochsEach {
                let seconds = 10 + 90 / Double(workers) + (index == 0 ? 20 : 0)
                time += seconds
                epoch += 1
                samples.append(sample(job, epoch: epoch, workers: workers, seconds: seconds, at: time))
            }
        }
        return samples
    }

    func publish(_ samples: [ProgressSample], garbage: Bool = false) async throws {
        let publisher = try await Publisher(
            configuration: try BrokerConfiguration(uri: try TestServers.amqpURI),
            topology: Topology(queues: [Topology.Queue(queue)]), logger: logger)
        defer { publisher.close() }
        // As the training service encodes them (ProgressRoutes).
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        for sample in samples {
            try await publisher.publish(exchange: "", routingKey: queue, body: try encoder.encode(sample))
        }
        if garbage { try await publisher.publish(exchange: "", routingKey: queue, body: Data("not a sample".utf8)) }
    }

    @Test func estimatesAreWrittenDeduplicatedAndAnnouncedOnlyWhenTheyChange() async throws {
        let store = try await MongoStore.connect(uri: try TestServers.mongoURI, database: database)
        let info = store.collection(StoreSchema.jobInfo, of: InfoDocument.self)
        let announcements = try await Announcements(accelerator: accelerator, logger: logger)
        defer { announcements.close() }
        // The scheduler's field of a job_info document is the scheduler's: the collector leaves it alone.
        try await info.upsertFields(["name": "job-a"], set: [("scheduler", ["marker": "kept"])])

        let jobA = samples("job-a", widths: [2, 4]), jobB = samples("job-b", widths: [1, 2], epochsEach: 3)
        try await publish(jobA + jobB, garbage: true)
        // The undecodable message is dropped, not requeued for every later run.
        #expect(try await runCollector().contains("undecodable=1"))
        let first = Dictionary(uniqueKeysWithValues: try await info.find().map { ($0.name, $0) })
        let a = try #require(first["job-a"]?.estimate), b = try #require(first["job-b"]?.estimate)
        #expect(first["job-a"]?.scheduler == ["marker": "kept"])
        // Job A: 55 s at 2 workers and 32.5 s at 4 fit t(n) = 10 + 90/n exactly: t(1) = 100.
        #expect(a.measuredWorkers == [2, 4] && a.epoch == 8 && a.epochs == 20)
        #expect(a.speedup["1"] == 1 && abs(a.speedup["2"]! - 100 / 55) < 1e-9 && abs(a.speedup["4"]! - 100 / 32.5) < 1e-9)
        #expect(abs(a.remainingSeconds! - 12 * 100) < 1e-6)
        #expect(abs(a.restartSeconds! - 20) < 1e-9)
        #expect(b.measuredWorkers == [1, 2] && abs(b.speedup["2"]! - 100 / 55) < 1e-9)
        #expect(try await announcements.take() == [#"{"jobs":["job-a","job-b"]}"#])

        // Nothing new: nothing written, nothing announced.
        #expect(try await runCollector().contains("undecodable=0"))
        #expect(Dictionary(uniqueKeysWithValues: try await info.find().map { ($0.name, $0) }) == first)
        #expect(try await announcements.take() == [])

        // A redelivered sample (same job, epoch, width and time) counts once.
        try await publish([jobA.last!, jobA[2]])
        _ = try await runCollector()
        #expect(Dictionary(uniqueKeysWithValues: try await info.find().map { ($0.name, $0) }) == first)
        #expect(try await announcements.take() == [])

        // A new epoch of job B, 55 s after its last: only B is announced.
        let bEnd = jobB.last!.receivedAt.timeIntervalSince1970 - 1_795_000_000
        try await publish([sample("job-b", epoch: 7, workers: 2, seconds: 55, at: bEnd + 55)])
        _ = try await runCollector()
        #expect(try await info.findOne(["name": "job-b"])?.estimate?.epoch == 7)
        #expect(try await announcements.take() == [#"{"jobs":["job-b"]}"#])

        try await store.dropDatabase()
        await store.close()
    }

    /// The same report published twice, as the training service does when a worker sends it
    /// again (the first publish timed out, yet the broker had it): the copy, folded in a later
    /// run after newer reports, neither counts twice nor reads as a restart.
    @Test func aReportSentAgainIsFoldedOnceAcrossRuns() async throws {
        let store = try await MongoStore.connect(uri: try TestServers.mongoURI, database: database)
        let info = store.collection(StoreSchema.jobInfo, of: InfoDocument.self)
        let epochs = samples("job-r", widths: [2], epochsEach: 4)
        try await publish(epochs)
        #expect(try await runCollector().contains("steady=3"))
        let first = try #require(try await info.findOne(["name": "job-r"])?.progress)
        #expect(first.folded?.count == 4)

        // Epoch 3's report again, 2 s after epoch 4's, then epoch 5 at its pace; and a redelivery.
        let end = epochs.last!.receivedAt.timeIntervalSince1970 - 1_795_000_000
        let again = sample("job-r", epoch: 3, workers: 2, seconds: epochs[2].epochSeconds, at: end + 2)
        let fifth = sample("job-r", epoch: 5, workers: 2, seconds: 55, at: end + 55)
        try await publish([again, fifth, fifth])
        let output = try await runCollector()
        #expect(output.contains("duplicate=2") && output.contains("steady=1"), "\(output)")
        let history = try #require(try await info.findOne(["name": "job-r"])?.progress)
        #expect(history.restarts.count == 1 && history.epoch == 5)
        #expect(history.steady == [WidthTimes(workers: 2, seconds: [55, 55, 55, 55])])

        try await store.dropDatabase()
        await store.close()
    }

    @Test func metricsFilesOfKnownJobsAreFoldedOnce() async throws {
        let store = try await MongoStore.connect(uri: try TestServers.mongoURI, database: database)
        let announcements = try await Announcements(accelerator: accelerator, logger: logger)
        defer { announcements.close() }
        try await store.collection(StoreSchema.jobs, of: StoredJobStub.self).insert(StoredJobStub(
            metadata: .init(name: "voda-job"), spec: .init(accelerator: accelerator, epochs: 10)))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestServers.uniqueName("metrics"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Voda's columns; one worker then two, the first epoch of each run slower.
        try """
            epoch,epoch_time_sec,loss,start_time,step_time_sec,total_epochs,workers
            0,130.0,2.0,2026-11-23 10:00:00.000000,0.5,10,1
            1,100.0,1.5,2026-11-23 10:02:10.000000,0.4,10,1
            2,100.0,1.2,2026-11-23 10:03:50.000000,0.4,10,1
            3,80.0,1.1,2026-11-23 10:06:00.000000,0.3,10,2
            4,55.0,1.0,2026-11-23 10:07:20.000000,0.2,10,2
            """.write(to: directory.appendingPathComponent("voda-job.csv"), atomically: true, encoding: .utf8)
        try "not,a,metrics,file\n".write(to: directory.appendingPathComponent("stranger.csv"), atomically: true, encoding: .utf8)

        _ = try await runCollector(["--voda-metrics-dir", directory.path])
        let info = store.collection(StoreSchema.jobInfo, of: InfoDocument.self)
        let estimate = try #require(try await info.findOne(["name": "voda-job"])?.estimate)
        #expect(estimate.measuredWorkers == [1, 2] && estimate.epoch == 5 && estimate.epochs == 10)
        #expect(abs(estimate.speedup["2"]! - 100 / 55) < 1e-9 && abs(estimate.remainingSeconds! - 500) < 1e-6)
        #expect(abs(estimate.restartSeconds! - 27.5) < 1e-9)
        #expect(try await announcements.take() == [#"{"jobs":["voda-job"]}"#])

        // The same file again: every row already folded.
        let before = try await info.find()
        _ = try await runCollector(["--voda-metrics-dir", directory.path])
        #expect(try await info.find() == before)
        #expect(try await announcements.take() == [])

        try await store.dropDatabase()
        await store.close()
    }
}
