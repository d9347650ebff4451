import Foundation
import Testing
import TideBackend
import TideCore
import TideJobs
import TideScheduler
import TideStore

/// A live job growing into GPUs that freed up, with real worker processes.
@Suite(.timeLimit(.minutes(2)))
struct LiveGrowthTests {
    /// A cluster that refuses one of the new workers (a quota, a node gone): the job goes on
    /// with the workers it had and completes, instead of waiting for ever for a worker that
    /// never started.
    @Test func aGrowthWhoseWorkerCannotStartIsUndoneAndTheJobCompletes() async throws {
        let harness = try await RaceHarness.make(policy: "elastic-fifo", minResizeInterval: 0)
        let blockerFile = harness.releaseFile.deletingLastPathComponent().appendingPathComponent("blocker")
        try await harness.submit(
            "blocker", workers: 3, script: "while [ ! -e \"\(blockerFile.path)\" ]; do sleep 0.05; done; exit 0")
        try await harness.submit("grower", min: 1, max: 2, resize: .live, script: "\(harness.waitForRelease); exit 0")
        try await harness.scheduler.round()
        #expect(try await harness.job("grower")?.status.workers == 1)
        var exits = harness.backend.exits.makeAsyncIterator()

        // The blocker ends; its GPUs are free for the grower's second worker, which the cluster refuses.
        FileManager.default.createFile(atPath: blockerFile.path, contents: Data())
        for _ in 0..<3 { try await harness.scheduler.handle(try #require(await exits.next())) }
        #expect(try await harness.job("blocker")?.status.state == .completed)
        harness.backend.refusedIndex.withLock { $0 = 1 }
        try await harness.scheduler.round()

        let grower = try #require(try await harness.job("grower"))
        #expect(grower.status.state == .running)
        #expect(grower.status.workers == 1)
        let info = try #require(try await harness.storage.inner.info(jobs: ["grower"])["grower"]?.scheduler)
        #expect(info.workers.map(\.index) == [0])
        let events = try await EventStore<JobHistoryEvent>(harness.store).list(job: "grower").map(\.event)
        #expect(events.map(\.type) == ["Started", "Resized", "Resized"])
        #expect(events.last?.message.contains("worker 1 could not start") == true, "\(events.last?.message ?? "")")
        #expect(info.noGrowthBefore != nil && info.growthRefusals == 1)

        // The cluster still refuses: the next rounds leave the job at its count for the backoff
        // instead of starting and stopping a worker each time.
        for _ in 0..<3 { try await harness.scheduler.round() }
        #expect(try await harness.history("grower") == ["Started", "Resized", "Resized"])

        // The worker it kept finishes the job.
        try harness.releaseWorkers()
        try await harness.scheduler.handle(try #require(await exits.next()))
        #expect(try await harness.job("grower")?.status.state == .completed)
        #expect(try await harness.history("grower") == ["Started", "Resized", "Resized", "Completed"])
        await harness.close()
    }

    /// A growth that goes through after a refused one starts the backoff over: the next
    /// refusal holds the job for one minute again, not two.
    @Test func aGrowthThatGoesThroughStartsTheBackoffOver() async throws {
        let harness = try await RaceHarness.make(policy: "elastic-fifo", minResizeInterval: 0)
        let folder = harness.releaseFile.deletingLastPathComponent()
        func waitFor(_ file: String) -> String {
            "while [ ! -e \"\(folder.appendingPathComponent(file).path)\" ]; do sleep 0.05; done; exit 0"
        }
        func release(_ file: String) { FileManager.default.createFile(atPath: folder.appendingPathComponent(file).path, contents: Data()) }
        try await harness.submit("blocker-a", workers: 2, script: waitFor("a"))
        try await harness.submit("blocker-b", workers: 1, script: waitFor("b"))
        try await harness.submit("grower", min: 1, max: 3, resize: .live, script: "\(harness.waitForRelease); exit 0")
        try await harness.scheduler.round()
        #expect(try await harness.job("grower")?.status.workers == 1)
        var exits = harness.backend.exits.makeAsyncIterator()

        // blocker-b ends and the cluster refuses the grower's second worker: one minute without growth.
        release("b")
        try await harness.scheduler.handle(try #require(await exits.next()))
        harness.backend.refusedIndex.withLock { $0 = 1 }
        try await harness.scheduler.round()
        var info = try #require(try await harness.storage.inner.info(jobs: ["grower"])["grower"]?.scheduler)
        #expect(info.workers.count == 1 && info.growthRefusals == 1)

        // A minute later the cluster takes the worker: the refusals are forgotten.
        harness.clock.advance(by: 61)
        harness.backend.refusedIndex.withLock { $0 = nil }
        try await harness.scheduler.round()
        info = try #require(try await harness.storage.inner.info(jobs: ["grower"])["grower"]?.scheduler)
        #expect(info.workers.map(\.index) == [0, 1])
        #expect(info.growthRefusals == nil)

        // blocker-a ends and the third worker is refused: the backoff is one minute, as after a first refusal.
        release("a")
        for _ in 0..<2 { try await harness.scheduler.handle(try #require(await exits.next())) }
        #expect(try await harness.job("blocker-a")?.status.state == .completed)
        harness.backend.refusedIndex.withLock { $0 = 2 }
        try await harness.scheduler.round()
        info = try #require(try await harness.storage.inner.info(jobs: ["grower"])["grower"]?.scheduler)
        #expect(info.workers.map(\.index) == [0, 1])
        #expect(info.growthRefusals == 1)
        let events = try await EventStore<JobHistoryEvent>(harness.store).list(job: "grower").map(\.event)
        #expect(events.last?.message.contains("no growth for 60 s") == true, "\(events.last?.message ?? "")")
        await harness.close()
    }
}
