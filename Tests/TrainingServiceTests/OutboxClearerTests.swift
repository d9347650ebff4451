import Foundation
import Logging
import Synchronization
import Testing
@testable import TideAPI
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// The outbox clearer on the shared SecantusDB: what it clears, when, and that the republisher
/// leaves alone what this replica published and has not cleared yet.
@Suite struct OutboxClearerTests {
    /// A database of the test's own with flagged jobs in it.
    struct Fixture {
        let store: MongoStore
        let jobs: VersionedStore<JobRecord>
        var collection: MongoCollection<JobRecord> { jobs.collection }

        static func make() async throws -> Fixture {
            let store = try await MongoStore.connect(uri: TestServers.mongoURI, database: TestServers.uniqueName("clear"))
            try await store.ensureSchema()
            return Fixture(store: store, jobs: VersionedStore(store, collection: StoreSchema.jobs))
        }

        /// Stores job `name` at `version` with its change at that version still owed.
        @discardableResult
        func flagged(_ name: String, version: Int = 1) async throws -> JobRecord {
            let record = try Self.record(name, version: version)
            try await collection.insert(record)
            return record
        }

        /// Job `name` at `version` with its change at that version owed, not stored.
        static func record(_ name: String, version: Int) throws -> JobRecord {
            let yaml = """
                apiVersion: tide/v1
                kind: TrainingJob
                metadata: {name: clear}
                spec: {accelerator: clear-gpu, workers: {min: 1, max: 2}, epochs: 5, template: {image: busybox}}
                """
            let time = Date(timeIntervalSince1970: 1_700_000_000)
            var record = JobRecord(
                job: StoredJob(submitting: try JobSpecParser.parse(yaml, format: .yaml), storedName: name, at: time))
            record.version = version
            record.owe(.created, version: version, at: time)
            return record
        }

        /// An outbox on this database, its clears paced by `quiet` and `longestWait`.
        func outbox(_ publisher: any JobEventPublishing, quiet: Duration, longestWait: Duration) -> Outbox {
            Outbox(jobs: jobs, publisher: publisher, pacing: OutboxClearerTests.pacing(quiet: quiet, longestWait: longestWait),
                   logger: OutboxClearerTests.logger)
        }

        /// The names of the jobs still flagged, sorted.
        func stillFlagged() async throws -> [String] {
            try await collection.find([JobRecord.outboxField: true]).map(\.name).sorted()
        }

        func close() async {
            try? await store.dropDatabase()
            await store.close()
        }
    }

    static let logger = Logger(label: "tide.test.clearer")

    static func pacing(quiet: Duration, longestWait: Duration, chunk: Int = 25) -> OutboxClearer.Pacing {
        var pacing = OutboxClearer.Pacing()
        pacing.quiet = quiet
        pacing.longestWait = longestWait
        pacing.chunk = chunk
        pacing.pause = .milliseconds(5)
        return pacing
    }

    @Test func clearsEachJobAtThePublishedVersionOnly() async throws {
        let fixture = try await Fixture.make()
        for name in ["a", "b", "c"] { try await fixture.flagged(name) }
        try await fixture.flagged("d", version: 2)
        try await fixture.flagged("untouched")
        let clearer = OutboxClearer(
            collection: fixture.collection, pacing: Self.pacing(quiet: .seconds(30), longestWait: .seconds(60)),
            logger: Self.logger)
        await clearer.clear(name: "a", version: 1)
        await clearer.clear(name: "c", version: 1)
        await clearer.clear(name: "b", version: 0)  // an older write's publish: b's version 1 is still owed
        await clearer.clear(name: "d", version: 1)
        await clearer.clear(name: "d", version: 2)  // a later version's clear covers the earlier one
        await clearer.flush()
        #expect(try await fixture.stillFlagged() == ["b", "untouched"])
        let cleared = try #require(try await fixture.jobs.get("a"))
        #expect(cleared.outbox.isEmpty && cleared.outboxSince == nil)
        await fixture.close()
    }

    @Test func manyClearsOfSeveralVersionsGoOutInChunks() async throws {
        let fixture = try await Fixture.make()
        var names: [(String, Int)] = []
        for index in 0..<60 { names.append(("job-\(index)", index % 3 + 1)) }
        for (name, version) in names { try await fixture.flagged(name, version: version) }
        let clearer = OutboxClearer(
            collection: fixture.collection,
            pacing: Self.pacing(quiet: .milliseconds(50), longestWait: .seconds(1), chunk: 7), logger: Self.logger)
        for (name, version) in names { await clearer.clear(name: name, version: version) }
        try await eventually(timeout: .seconds(30)) { try await fixture.stillFlagged().isEmpty }
        await fixture.close()
    }

    @Test func waitsForAQuietMomentBeforeWriting() async throws {
        let fixture = try await Fixture.make()
        try await fixture.flagged("early")
        try await fixture.flagged("late")
        let clearer = OutboxClearer(
            collection: fixture.collection, pacing: Self.pacing(quiet: .seconds(2), longestWait: .seconds(60)),
            logger: Self.logger)
        let start = ContinuousClock.now
        await clearer.clear(name: "early", version: 1)
        try await Task.sleep(for: .milliseconds(500))
        await clearer.clear(name: "late", version: 1)
        // Nothing written while clears keep coming (the quiet period starts again with each).
        #expect(try await fixture.stillFlagged() == ["early", "late"])
        #expect(await clearer.isQueued(name: "early", version: 1))
        try await eventually(timeout: .seconds(30)) { try await fixture.stillFlagged().isEmpty }
        #expect(ContinuousClock.now - start >= .milliseconds(2500))
        #expect(await !clearer.isQueued(name: "early", version: 1))
        await fixture.close()
    }

    @Test func theLongestWaitBoundsTheDelayWhileClearsKeepComing() async throws {
        let fixture = try await Fixture.make()
        for index in 0..<12 { try await fixture.flagged("steady-\(index)") }
        let clearer = OutboxClearer(
            collection: fixture.collection, pacing: Self.pacing(quiet: .seconds(60), longestWait: .milliseconds(300)),
            logger: Self.logger)
        // A clear every 150 ms: never quiet for 60 s, so only the longest wait lets the first ones out.
        var firstClearedWhileBusy = false
        for index in 0..<12 {
            await clearer.clear(name: "steady-\(index)", version: 1)
            try await Task.sleep(for: .milliseconds(150))
            if try await !fixture.stillFlagged().contains("steady-0") { firstClearedWhileBusy = true }
        }
        #expect(firstClearedWhileBusy)
        await clearer.flush()
        #expect(try await fixture.stillFlagged().isEmpty)
        await fixture.close()
    }

    @Test func theRepublisherSkipsWhatThisReplicaPublishedAndHasNotClearedYet() async throws {
        let fixture = try await Fixture.make()
        let published = try await fixture.flagged("published")
        try await fixture.flagged("orphan")
        let publisher = CountingPublisher()
        let outbox = fixture.outbox(publisher, quiet: .seconds(60), longestWait: .seconds(120))
        #expect(await outbox.deliver(published, waitingAtMost: .seconds(10)))
        #expect(try await fixture.stillFlagged() == ["orphan", "published"])
        // The orphan (stored by a replica that died before publishing) goes out; the published job does not again.
        #expect(try await outbox.republish(now: Date(), grace: .zero, timeout: .seconds(10)) == 1)
        #expect(publisher.messageIDs == ["published/1/created", "orphan/1/created"])
        #expect(try await fixture.stillFlagged().isEmpty)
        await fixture.close()
    }

    @Test func aWriteThatCarriesThePublishedChangeOverDoesNotUndoTheClear() async throws {
        let fixture = try await Fixture.make()
        let published = try await fixture.flagged("scheduled")
        let outbox = fixture.outbox(CountingPublisher(), quiet: .seconds(60), longestWait: .seconds(120))
        #expect(await outbox.deliver(published, waitingAtMost: .seconds(10)))
        // The scheduler rewrites the job as it read it, the published change still in its outbox.
        var scheduled = try #require(try await fixture.jobs.get("scheduled"))
        scheduled.job.status.state = .waiting
        _ = try await fixture.jobs.replace(scheduled)
        await outbox.clearer.flush()
        let stored = try #require(try await fixture.jobs.get("scheduled"))
        #expect(stored.outbox.isEmpty && stored.version == 2 && stored.job.status.state == .waiting)
        #expect(try await outbox.republish(now: Date(), grace: .zero, timeout: .seconds(10)) == 0)
        await fixture.close()
    }

    @Test func manyQueuedClearsAreWrittenWithoutWaitingForAQuietMoment() async throws {
        let fixture = try await Fixture.make()
        for index in 0..<8 { try await fixture.flagged("burst-\(index)") }
        var pacing = Self.pacing(quiet: .seconds(60), longestWait: .seconds(120), chunk: 4)
        pacing.mostPending = 6
        let clearer = OutboxClearer(collection: fixture.collection, pacing: pacing, logger: Self.logger)
        for index in 0..<5 { await clearer.clear(name: "burst-\(index)", version: 1) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await fixture.stillFlagged().count == 8, "five queued clears wait for a quiet moment")
        for index in 5..<8 { await clearer.clear(name: "burst-\(index)", version: 1) }
        // Eight queued, past the six allowed: chunks are written without a quiet moment.
        try await eventually(timeout: .seconds(20)) { try await fixture.stillFlagged().count <= 4 }
        await fixture.close()
    }

    @Test func aChangeThatCouldNotBePublishedIsRetriedFromMemoryBeforeAnyoneSearches() async throws {
        let fixture = try await Fixture.make()
        // Stored just now: a search for flags older than the grace cannot find it.
        var record = try Fixture.record("retried", version: 1)
        record.outboxSince = Date()
        try await fixture.collection.insert(record)
        let publisher = CountingPublisher(failures: 1)
        let outbox = fixture.outbox(publisher, quiet: .milliseconds(50), longestWait: .seconds(1))
        #expect(await !outbox.deliver(record, waitingAtMost: .seconds(10)))
        #expect(outbox.owed.count == 1)
        // A grace of an hour: no search would find it yet, the replica's own memory does.
        #expect(try await outbox.republish(now: Date(), grace: .seconds(3600), timeout: .seconds(10)) == 1)
        #expect(publisher.messageIDs == ["retried/1/created"])
        #expect(outbox.owed.count == 0)
        await outbox.clearer.flush()
        #expect(try await fixture.stillFlagged().isEmpty)
        await fixture.close()
    }

    @Test func whileARetryHangsNoOtherStartsAndAChangeClearedMeanwhileIsForgotten() async throws {
        let fixture = try await Fixture.make()
        let publisher = HangingPublisher()
        let outbox = fixture.outbox(publisher, quiet: .milliseconds(50), longestWait: .seconds(1))
        for name in ["first", "second"] {
            var record = try Fixture.record(name, version: 1)
            record.outboxSince = Date()
            try await fixture.collection.insert(record)
            outbox.owed.owe(record)
        }
        // The broker hangs: the first retry waits, and later rounds start nothing more.
        for _ in 0..<3 {
            #expect(try await outbox.republish(now: Date(), grace: .seconds(3600), timeout: .milliseconds(100)) == 0)
        }
        #expect(publisher.started == ["first/1/created"])
        // Meanwhile another replica published and cleared "second": it is forgotten, not sent again.
        _ = try await fixture.collection.updateMany(
            [JobRecord.fields.name: "second"],
            OutboxClearer.clearing)
        publisher.release()
        try await eventually(within: .seconds(10), "the hanging delivery ends") { !outbox.inFlight.contains("first") }
        #expect(try await outbox.republish(now: Date(), grace: .seconds(3600), timeout: .seconds(5)) == 0)
        #expect(outbox.owed.count == 0)
        #expect(publisher.started == ["first/1/created"])
        await fixture.close()
    }

    @Test func aFlagWrittenBeforeOutboxVersionExistedIsClearedOnceFound() async throws {
        let fixture = try await Fixture.make()
        let record = try await fixture.flagged("legacy")
        // As a service that predates the field left it.
        _ = try await fixture.collection.updateMany(
            [JobRecord.fields.name: "legacy"], ["$unset": [JobRecord.outboxVersionField: ""]])
        let publisher = CountingPublisher()
        let outbox = fixture.outbox(publisher, quiet: .seconds(60), longestWait: .seconds(120))
        #expect(try #require(try await fixture.jobs.get("legacy")).isFlaggedWithoutOutboxVersion)
        #expect(try await outbox.republish(now: Date(), grace: .zero, timeout: .seconds(10)) == 1)
        #expect(try await fixture.stillFlagged().isEmpty)
        #expect(try await outbox.republish(now: Date(), grace: .zero, timeout: .seconds(10)) == 0)
        #expect(publisher.messageIDs == ["legacy/\(record.version)/created"])
        await fixture.close()
    }

    @Test func aChangeMadeRightAfterAPublishDoesNotPublishThePublishedOneAgain() async throws {
        let fixture = try await Fixture.make()
        let publisher = CountingPublisher()
        let outbox = fixture.outbox(publisher, quiet: .seconds(60), longestWait: .seconds(120))
        let service = JobService(
            jobs: fixture.jobs, events: EventStore(fixture.store), outbox: outbox, configuration: APIConfiguration(),
            logger: Self.logger, clock: { Date() })
        let yaml = """
            apiVersion: tide/v1
            kind: TrainingJob
            metadata: {name: quick}
            spec: {accelerator: clear-gpu, workers: {min: 1, max: 2}, epochs: 5, template: {image: busybox}}
            """
        let job = try await service.create(body: Data(yaml.utf8), contentType: "application/yaml")
        _ = try await service.patch(job.name, body: Data(#"{"spec": {"priority": 3}}"#.utf8))
        _ = try await service.cancel(job.name)
        #expect(publisher.messageIDs == ["\(job.name)/1/created", "\(job.name)/2/updated", "\(job.name)/3/deleted"])
        await outbox.clearer.flush()
        #expect(try await fixture.stillFlagged().isEmpty)
        await fixture.close()
    }
}

/// A publisher that confirms everything at once and remembers what it was given.
/// The first `failures` publishes fail, as while the broker is down.
final class CountingPublisher: JobEventPublishing {
    private let published = Mutex<[String]>([])
    private let failuresLeft: Mutex<Int>

    init(failures: Int = 0) {
        failuresLeft = Mutex(failures)
    }

    var messageIDs: [String] { published.withLock { $0 } }

    func publish(_ entry: OutboxEntry, job: StoredJob) async throws {
        let fails = failuresLeft.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if fails { throw TestFailure("the broker is down") }
        published.withLock { $0.append("\(job.name)/\(entry.version)/\(entry.change.rawValue)") }
    }
}

/// A publisher whose publishes wait until `release`, as while the broker does not answer.
final class HangingPublisher: JobEventPublishing {
    private let state = Mutex<(started: [String], released: Bool)>(([], false))

    var started: [String] { state.withLock { $0.started } }

    func release() { state.withLock { $0.released = true } }

    func publish(_ entry: OutboxEntry, job: StoredJob) async throws {
        state.withLock { $0.started.append("\(job.name)/\(entry.version)/\(entry.change.rawValue)") }
        while !state.withLock({ $0.released }) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
