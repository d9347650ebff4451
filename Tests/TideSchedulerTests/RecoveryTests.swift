import Foundation
import Testing
import TideBackend
import TideCore
import TideJobs
import TideScheduler
import TideTestSupport

/// A scheduler that takes over from one that died (or a restart): it adopts
/// what runs and starts over what was being stopped.
@Suite(.timeLimit(.minutes(2)))
struct RecoveryTests {
    @Test func aRecoveryTriedAgainAfterADatabaseErrorKeepsTheRunningWorkers() async throws {
        let harness = try await RaceHarness.make()
        try await harness.submit("steady", exitCode: 0)
        try await harness.scheduler.round()

        let (successor, _, storage) = try harness.successor()
        storage.failNextActiveJobs.arm()
        await #expect(throws: OneFailure.Injected.self) { try await successor.recover() }
        try await successor.recover()
        try await successor.round()

        // The worker adopted by the first try is still the job's: no second run.
        let held = try #require(await successor.heldJobs.first { $0.name == "steady" })
        #expect(held.record.run == 1 && held.hasWorkers, "\(held.record)")
        #expect(try await harness.history("steady") == ["Started"])
        await harness.close()
    }

    @Test func aWorkerWhoseStopWasUnderWayIsNotAdoptedAndItsRunStartsOver() async throws {
        let harness = try await RaceHarness.make()
        // The worker ignores SIGTERM, so a stop takes its whole grace period.
        try await harness.submit("preempted", workers: 1, script: "trap '' TERM; " + harness.waitForRelease)
        try await harness.scheduler.round()
        let worker = WorkerID(job: "preempted", run: 1, index: 0)
        // The first scheduler asks it to stop, then dies before the stop is through.
        let stopping = Task { try await harness.backend.inner.stop(worker, grace: .seconds(60)) }
        let requested = harness.workerDirectory(worker).appendingPathComponent("requested")
        try await eventually(within: .seconds(10), "the stop is asked for") {
            FileManager.default.fileExists(atPath: requested.path)
        }

        let (successor, _, _) = try harness.successor()
        try await successor.recover()
        try await successor.round()

        // Adopted as running, its requested end would have been ignored and the job held
        // a worker that no longer runs; it is stopped and its run starts over instead.
        let held = try #require(await successor.heldJobs.first { $0.name == "preempted" })
        #expect(held.record.run == 2 && held.hasWorkers, "\(held.record)")
        #expect(try await harness.job("preempted")?.status.state == .running)
        #expect(try await harness.history("preempted") == ["Started", "Resized"])
        stopping.cancel()
        await harness.close()
    }
}
