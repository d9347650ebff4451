import Foundation
import TideBackend
import Testing
import TideTestSupport

@testable import TideLocalBackend

/// Stopping workers: SIGTERM first, SIGKILL after the grace period.
@Suite struct StopTests {
    @Test func stopRunsTheWorkersTermHandler() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let checkpoints = fixture.directory.appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        let id = WorkerID(job: "term", run: 1, index: 0)
        let script = #"trap 'echo saved > "$TIDE_CHECKPOINT_DIR/checkpoint.tmp" && mv "$TIDE_CHECKPOINT_DIR/checkpoint.tmp" "$TIDE_CHECKPOINT_DIR/checkpoint"; exit 0' TERM; echo ready; "#
            + Script.idle
        try await fixture.startReady(backend, fixture.launch(id, script, environment: ["TIDE_CHECKPOINT_DIR": checkpoints.path]))
        // A grace it never needs: its handler ends it (exit 0, not SIGKILL).
        try await backend.stop(id, grace: .seconds(30))
        // In the stream by the time stop returned.
        let exit = try #require(exits.all(of: id).first)
        #expect(exit.status == .exited(0))
        #expect(exit.requested)
        #expect(!exit.isSuccess)
        let saved = try String(contentsOf: checkpoints.appendingPathComponent("checkpoint"), encoding: .utf8)
        #expect(saved == "saved\n")
    }

    @Test func stopKillsAWorkerThatIgnoresTermAfterGrace() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let id = WorkerID(job: "stubborn", run: 1, index: 0)
        try await fixture.startReady(backend, fixture.launch(id, "trap '' TERM; echo ready; \(Script.idle)"))
        let began = ContinuousClock.now
        try await backend.stop(id, grace: .milliseconds(300))
        #expect(ContinuousClock.now - began >= .milliseconds(300))
        let exit = try await exits.exit(of: id)
        #expect(exit.status == .signaled(9))
        #expect(exit.requested)
        // Stopping it again, or a worker never started, does nothing.
        try await backend.stop(id, grace: .seconds(1))
        try await backend.stop(WorkerID(job: "never", run: 1, index: 0), grace: .seconds(1))
        #expect(exits.all(of: id).count == 1)
    }

    @Test func stopKillsWhatTheWorkerLeftInItsGroup() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let id = WorkerID(job: "group", run: 1, index: 0)
        // A child that ignores TERM and would outlive its parent.
        try await fixture.startReady(backend, fixture.launch(id, "(trap '' TERM; \(Script.idle)) & echo ready $!; wait"))
        let child = try #require(Int32(fixture.log(id).dropFirst("ready ".count).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await backend.stop(id, grace: .seconds(30))
        #expect(try await exits.exit(of: id).requested)
        try await eventually("the child gone") { isGone(child) }
    }

    @Test func shimForwardsTermToTheWorker() async throws {
        // Someone else's SIGTERM to the shim (a service manager stopping everything) reaches the worker.
        let (fixture, backend, exits) = try Fixture.withBackend()
        let id = WorkerID(job: "forward", run: 1, index: 0)
        try await fixture.startReady(backend, fixture.launch(id, "trap 'echo got TERM; exit 7' TERM; echo ready; \(Script.idle)"))
        kill(try #require(fixture.workerDirectory(id).started).shimPid, SIGTERM)
        let exit = try await exits.exit(of: id)
        #expect(exit.status == .exited(7))
        #expect(!exit.requested)
        #expect(fixture.log(id).contains("got TERM"))
    }
}

/// No such process, or only its zombie.
func isGone(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return true }
    return processState(pid).map { $0.hasPrefix("Z") } ?? true
}
