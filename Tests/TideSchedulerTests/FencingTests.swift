import Foundation
import Testing
import TideCore
import TideJobs
import TideScheduler
import TideStore
import TideTestSupport

/// A scheduler that lost the lease may still have writes under way when the next
/// leader starts: once the later term has written a job, the database refuses the
/// former leader's writes of it, and takes the later leader's.
@Suite struct FencingTests {
    /// A database of its own, holding the v100 job `job` when given; dropped afterwards.
    static func withDatabase(job: String? = nil, _ body: (MongoStore) async throws -> Void) async throws {
        let store = try await MongoStore.connect(uri: try TestServers.mongoURI, database: TestServers.uniqueName("fence"))
        try await store.ensureSchema()
        do {
            if let job {
                let jobs = VersionedStore<JobRecord>(store, collection: StoreSchema.jobs)
                _ = try await jobs.create(JobRecord(job: StoredJob(submitting: Fixtures.spec(job), storedName: job, at: Date())))
            }
            try await body(store)
        } catch {
            try? await store.dropDatabase()
            await store.close()
            throw error
        }
        try await store.dropDatabase()
        await store.close()
    }

    /// The storage of a scheduler that leads in term `number` of `lease`.
    static func leader(_ store: MongoStore, lease: String, term number: Int) -> MongoSchedulerStorage {
        let term = LeadershipTerm()
        term.begin(.init(lease: lease, number: number))
        return MongoSchedulerStorage(store: store, term: term)
    }

    @Test func aFormerLeadersWritesOfAJobTheNextLeaderWroteAreRefused() async throws {
        try await Self.withDatabase(job: "j") { store in
            let former = Self.leader(store, lease: "lease-v100", term: 3)
            let later = Self.leader(store, lease: "lease-v100", term: 4)

            // Before the next leader writes, the former's writes land.
            var formerRecord = SchedulerRecord()
            formerRecord.run = 1
            try await former.save(formerRecord, job: "j")
            _ = try await former.updateStatus(job: "j", accelerator: "v100") { $0.state = .running }

            var laterRecord = SchedulerRecord()
            laterRecord.run = 2
            try await later.save(laterRecord, job: "j")
            _ = try await later.updateStatus(job: "j", accelerator: "v100") { $0.message = "adopted" }

            await #expect(throws: SchedulerFenced.self) { try await former.save(formerRecord, job: "j") }
            await #expect(throws: SchedulerFenced.self) {
                try await former.updateStatus(job: "j", accelerator: "v100") { $0.state = .waiting }
            }
            await #expect(throws: SchedulerFenced.self) {
                try await former.move(job: "j", from: "v100", to: "t4", message: "failback")
            }
            let stored = try #require(try await later.job(named: "j"))
            #expect(stored.status.state == .running && stored.status.message == "adopted")
            #expect(stored.spec.accelerator == "v100")
            #expect(try await later.info(jobs: ["j"])["j"]?.scheduler?.run == 2)

            // The later leader goes on writing; a scheduler without a term (no election) is not fenced.
            laterRecord.run = 3
            try await later.save(laterRecord, job: "j")
            try await MongoSchedulerStorage(store: store).save(laterRecord, job: "j")
        }
    }

    /// Terms of two leases do not compare: a job that fails back to another GPU type is
    /// written by that type's scheduler, whose lease has its own count (here far lower).
    @Test func aJobThatMovedToAnotherGPUTypeIsWrittenByThatTypesScheduler() async throws {
        try await Self.withDatabase(job: "m") { store in
            let v100 = Self.leader(store, lease: "lease-v100", term: 12)
            let t4 = Self.leader(store, lease: "lease-t4", term: 1)
            var record = SchedulerRecord()
            record.run = 2
            try await v100.save(record, job: "m")
            _ = try await v100.move(job: "m", from: "v100", to: "t4", message: "failback")

            record.run = 3
            try await t4.save(record, job: "m")
            let running = try await t4.updateStatus(job: "m", accelerator: "t4") { $0.state = .running }
            #expect(running?.status.state == .running)
            #expect(try await t4.info(jobs: ["m"])["m"]?.scheduler?.run == 3)
            // A move the former type's scheduler still had under way leaves the job where it is now.
            #expect(try await v100.move(job: "m", from: "v100", to: "t4", message: "failback again") == nil)
            #expect(try await t4.job(named: "m")?.status.state == .running)
            // A Lease deleted and created again starts its count over: a new uid, not fenced either.
            try await Self.leader(store, lease: "lease-t4-again", term: 0).save(record, job: "m")
        }
    }

    @Test func aFormerLeadersFirstRecordOfAJobIsRefusedOnceTheNextLeaderWroteIt() async throws {
        try await Self.withDatabase { store in
            var record = SchedulerRecord()
            record.run = 7
            try await Self.leader(store, lease: "lease-v100", term: 1).save(record, job: "fresh")
            await #expect(throws: SchedulerFenced.self) {
                try await Self.leader(store, lease: "lease-v100", term: 0).save(SchedulerRecord(), job: "fresh")
            }
            #expect(try await MongoSchedulerStorage(store: store).info(jobs: ["fresh"])["fresh"]?.scheduler?.run == 7)
        }
    }
}
