import Foundation
import Testing
import TideBackend
import TideCore
import TideJobs
import TideScheduler

/// A worker's exit handled while a round is suspended in one of its awaits:
/// the round resumes with what it read or planned before the exit, and must
/// not act on it. These interleavings found in CI (a completed job started
/// again, its "Resized" after "Completed") are made here on purpose.
@Suite(.timeLimit(.minutes(2)))
struct ExitDuringRoundTests {
    @Test func aJobThatCompletesWhileARoundReadsTheJobsIsNotStartedAgain() async throws {
        let harness = try await RaceHarness.make()
        try await harness.submit("done", exitCode: 0)
        try await harness.scheduler.round()
        #expect(try await harness.job("done")?.status.state == .running)
        var exits = harness.backend.exits.makeAsyncIterator()

        // A full refresh has read the job as Running and waits; meanwhile its worker exits 0.
        harness.storage.afterActiveJobs.arm()
        let round = Task { _ = try await harness.scheduler.round(.everything) }
        await harness.storage.afterActiveJobs.reached()
        try harness.releaseWorkers()
        let exit = try #require(await exits.next())
        try await harness.scheduler.handle(exit)
        #expect(try await harness.job("done")?.status.state == .completed)
        harness.storage.afterActiveJobs.open()
        try await round.value

        #expect(try await harness.job("done")?.status.state == .completed)
        #expect(try await harness.history("done") == ["Started", "Completed"])
        #expect(await harness.scheduler.heldJobs.isEmpty)
        await harness.close()
    }

    @Test func aJobThatFailsWhileARoundAllocatesIsNotStartedAgain() async throws {
        let harness = try await RaceHarness.make()
        try await harness.submit("broken", exitCode: 1, maxRetries: 0)
        try await harness.scheduler.round()
        #expect(try await harness.job("broken")?.status.state == .running)
        try await harness.exitWhileARoundAllocates()

        let job = try #require(try await harness.job("broken"))
        #expect(job.status.state == .failed)
        #expect(job.status.message.contains("exited with code 1"), "\(job.status.message)")
        #expect(try await harness.history("broken") == ["Started", "Failed"])
        #expect(await harness.scheduler.heldJobs.isEmpty)
        await harness.close()
    }

    @Test(arguments: [true, false])
    func aJobWhoseRetryIsRecordedWhileARoundAllocatesWaitsOutItsBackoff(statusWriteStillUnderWay: Bool) async throws {
        let harness = try await RaceHarness.make()
        try await harness.submit("flaky", exitCode: 1, maxRetries: 3)
        try await harness.scheduler.round()
        try await harness.exitWhileARoundAllocates(holdingTheExitsStatusWrite: statusWriteStillUnderWay)

        // The retry waits its backoff (2 s) before a round starts it again, not at once.
        let job = try #require(try await harness.job("flaky"))
        #expect(job.status.state == .waiting)
        #expect(job.status.message.contains("retry 1 of 3"), "\(job.status.message)")
        #expect(try await harness.history("flaky") == ["Started", "Retrying"])
        let held = try #require(await harness.scheduler.heldJobs.first { $0.name == "flaky" })
        #expect(!held.hasWorkers && held.record.run == 1)
        await harness.close()
    }
}

extension RaceHarness {
    /// A round takes its snapshot (the job running) and waits for the
    /// allocator; meanwhile the job's worker exits, its run is stopped and
    /// the exit's status write waits. Then the round gets its answer (the
    /// job, planned with its worker, now has none) and goes on; then the
    /// exit's handling. Without holding the status write, the exit is handled
    /// whole before the round goes on.
    func exitWhileARoundAllocates(holdingTheExitsStatusWrite: Bool = true) async throws {
        var exits = backend.exits.makeAsyncIterator()
        allocator.beforeAnswer.arm()
        let round = Task { _ = try await scheduler.round(.everything) }
        await allocator.beforeAnswer.reached()
        try releaseWorkers()
        let exit = try #require(await exits.next())
        if holdingTheExitsStatusWrite { storage.beforeStatusWrite.arm() }
        let handling = Task { try await scheduler.handle(exit) }
        if holdingTheExitsStatusWrite {
            await storage.beforeStatusWrite.reached()
        } else {
            try await handling.value
        }
        allocator.beforeAnswer.open()
        try await round.value
        storage.beforeStatusWrite.open()
        try await handling.value
    }
}

/// Exits handled while a round starts a run or reads a canceled job.
@Suite(.timeLimit(.minutes(2)))
struct ExitDuringStartTests {
    @Test func aWorkerThatCrashesWhileItsGangStartsEndsTheRunAndTheLateStarterIsStopped() async throws {
        let harness = try await RaceHarness.make()
        // Worker 0 fails at once; worker 1 would run until released.
        try await harness.submit(
            "crash", workers: 2, script: #"if [ "$TIDE_WORKER_INDEX" = 0 ]; then exit 1; fi; "# + harness.waitForRelease,
            maxRetries: 3)
        var exits = harness.backend.exits.makeAsyncIterator()
        harness.backend.heldIndex.withLock { $0 = 1 }
        harness.backend.beforeStart.arm()
        let round = Task { _ = try await harness.scheduler.round() }
        await harness.backend.beforeStart.reached()
        let crash = try #require(await exits.next())
        #expect(crash.id.index == 0 && crash.status == .exited(1))
        try await harness.scheduler.handle(crash)
        harness.backend.beforeStart.open()
        try await round.value

        // The retry stands: nothing says the run started...
        let job = try #require(try await harness.job("crash"))
        try #require(job.status.state == .waiting, "\(job.status)")
        #expect(job.status.message.contains("retry 1 of 3"), "\(job.status.message)")
        #expect(try await harness.history("crash") == ["Retrying"])
        // ...and worker 1, started after the retry's stops, is stopped, not left running.
        let late = try #require(await exits.next())
        #expect(late.id == WorkerID(job: "crash", run: 1, index: 1) && late.requested)
        await harness.close()
    }

    @Test func aWorkerThatFinishesWhileARefreshReadsACanceledJobIsCounted() async throws {
        let harness = try await RaceHarness.make()
        try await harness.submit("canceled", exitCode: 0)
        // Worker 0 finishes at once; the job completes when worker 1 does.
        try await harness.submit(
            "pair", workers: 2, script: #"if [ "$TIDE_WORKER_INDEX" = 0 ]; then exit 0; fi; "# + harness.waitForRelease)
        var exits = harness.backend.exits.makeAsyncIterator()
        try await harness.scheduler.round()
        _ = try await harness.storage.inner.updateStatus(job: "canceled", accelerator: RaceHarness.accelerator) {
            $0.state = .canceled
        }

        // A full refresh reads the canceled job (still running), and meanwhile worker 0 of `pair` exits 0.
        harness.storage.beforeJobRead.arm()
        let round = Task { _ = try await harness.scheduler.round(.everything) }
        await harness.storage.beforeJobRead.reached()
        let finished = try #require(await exits.next())
        #expect(finished.id == WorkerID(job: "pair", run: 1, index: 0) && finished.status == .exited(0))
        try await harness.scheduler.handle(finished)
        harness.storage.beforeJobRead.open()
        try await round.value

        // When worker 1 exits 0 too, the job has completed.
        try harness.releaseWorkers()
        while let exit = await exits.next() {
            try await harness.scheduler.handle(exit)
            if exit.id.job == "pair" { break }
        }
        let pair = try #require(try await harness.job("pair"))
        #expect(pair.status.state == .completed, "\(pair.status)")
        #expect(try await harness.history("pair") == ["Started", "Completed"])
        await harness.close()
    }
}

/// A scheduler cancelled in the middle of a gang start (its leader term lost,
/// or shut down) leaves the run to whoever comes next.
@Suite(.timeLimit(.minutes(2)))
struct CancelledGangStartTests {
    @Test func aSchedulerCancelledInItsGangStartWritesNothingAndItsSuccessorAdoptsTheRun() async throws {
        let harness = try await RaceHarness.make()
        try await harness.submit("handover", exitCode: 0)
        harness.backend.beforeStart.arm()
        let round = Task { _ = try await harness.scheduler.round() }
        await harness.backend.beforeStart.reached()
        round.cancel()
        await #expect(throws: CancellationError.self) { try await round.value }
        // The start that was under way goes on (its worker may start or not).
        harness.backend.beforeStart.open()

        // No status, no history from the cancelled scheduler: not "StartTimedOut", not "Waiting".
        #expect(try await harness.job("handover")?.status.state == .submitted)
        #expect(try await harness.history("handover").isEmpty)

        let (successor, backend, _) = try harness.successor()
        try await successor.recover()
        try await successor.round()
        let running = try #require(try await harness.job("handover"))
        #expect(running.status.state == .running && running.status.workers == 1, "\(running.status)")
        var exits = backend.exits.makeAsyncIterator()
        try harness.releaseWorkers()
        while let exit = await exits.next() {
            try await successor.handle(exit)
            if try await harness.job("handover")?.status.state == .completed { break }
        }
        #expect(try await harness.job("handover")?.status.state == .completed)
        let history = try await harness.history("handover")
        #expect(history.first == "Started" && history.last == "Completed" && !history.contains("StartTimedOut"), "\(history)")
        await harness.close()
    }
}
