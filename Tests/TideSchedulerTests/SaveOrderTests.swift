import Foundation
import Testing
import TideBackend
import TideCore
import TideJobs
import TideScheduler

/// A job's record is saved from a round and from exits handled meanwhile: the record
/// stored is the last one the scheduler made, whatever order the database sees them in.
@Suite(.timeLimit(.minutes(2)))
struct SaveOrderTests {
    /// A two-worker job whose workers both ended: the first exit's handling is under
    /// way, held at its record's save (a slow connection); the second is not yet handled.
    func pairWithTheFirstExitsSaveHeld() async throws -> (RaceHarness, Task<Void, any Error>, WorkerExit) {
        let harness = try await RaceHarness.make()
        try await harness.submit("pair", workers: 2, script: "\(harness.waitForRelease); exit 0")
        try await harness.scheduler.round()
        #expect(try await harness.job("pair")?.status.workers == 2)
        var exits = harness.backend.exits.makeAsyncIterator()
        try harness.releaseWorkers()
        let firstExit = try #require(await exits.next()), secondExit = try #require(await exits.next())
        harness.storage.beforeSave.arm()
        let first = Task { try await harness.scheduler.handle(firstExit) }
        await harness.storage.beforeSave.reached()
        return (harness, first, secondExit)
    }

    /// Two saves of one record issued a moment apart: the first is slow to reach the database.
    @Test func theRecordOfTheLastExitIsTheOneStoredWhenAnEarlierSaveIsSlow() async throws {
        let (harness, first, secondExit) = try await pairWithTheFirstExitsSaveHeld()
        // The second worker's end completes the job meanwhile.
        let second = Task { try await harness.scheduler.handle(secondExit) }
        // The second save's chance to overtake the first, were it sent at once.
        try await Task.sleep(for: .milliseconds(500))
        harness.storage.beforeSave.open()
        try await first.value
        try await second.value

        #expect(try await harness.job("pair")?.status.state == .completed)
        let record = try #require(try await harness.storage.inner.info(jobs: ["pair"])["pair"]?.scheduler)
        #expect(record.workers.isEmpty, "the stored record still lists \(record.workers.map(\.index))")
        #expect(record.finishedWorkers.isEmpty)
        await harness.close()
    }

    /// A save queued behind a slow one still goes out when the task that made it is
    /// cancelled (a scheduler shutting down, say): dropping it would leave the stored
    /// record behind the scheduler's, for the next leader to adopt.
    @Test func aQueuedSaveStillGoesOutWhenItsTaskIsCancelled() async throws {
        let (harness, first, secondExit) = try await pairWithTheFirstExitsSaveHeld()
        let second = Task { try await harness.scheduler.handle(secondExit) }
        // The second exit's save is queued behind the first by now.
        try await Task.sleep(for: .milliseconds(500))
        second.cancel()
        harness.storage.beforeSave.open()
        try await first.value
        _ = await second.result

        let record = try #require(try await harness.storage.inner.info(jobs: ["pair"])["pair"]?.scheduler)
        #expect(record.workers.isEmpty, "the stored record still lists \(record.workers.map(\.index))")
        #expect(record.finishedWorkers.isEmpty)
        await harness.close()
    }
}
