import Foundation
import TideBackend
import Testing
import TideTestSupport

@testable import TideLocalBackend

/// A scheduler that dies and restarts: a new backend on the same data directory.
@Suite struct AdoptionTests {
    @Test func newBackendAdoptsLiveWorkersAndHearsTheirExits() async throws {
        let fixture = try Fixture()
        let ending = WorkerID(job: "adopted", run: 1, index: 0)
        let stopped = WorkerID(job: "adopted", run: 1, index: 1)
        let endingLaunch = fixture.launch(ending, "\(Script.waitForGo); exit 4", gpus: [1])
        var first: LocalBackend? = try fixture.backend()
        try await first?.start(endingLaunch)
        try await first?.start(fixture.launch(stopped, Script.idle))
        first = nil  // the scheduler dies; its workers do not

        let second = try fixture.backend()
        let exits = ExitLog(second)
        let adoption = try await second.adopt()
        #expect(adoption.missedExits.isEmpty)
        #expect(adoption.running.map(\.launch.id) == [ending, stopped])
        let adopted = try #require(adoption.running.first)
        #expect(adopted.launch == endingLaunch)
        #expect(adopted.pid == fixture.workerDirectory(ending).started?.workerPid)
        #expect(abs(adopted.startedAt - Date().timeIntervalSince1970) < 60)

        fixture.release(ending)
        let exit = try await exits.exit(of: ending)
        #expect(exit.status == .exited(4))
        #expect(!exit.requested)
        try await second.stop(stopped, grace: .seconds(30))
        #expect(try await exits.exit(of: stopped).requested)
    }

    @Test func exitMissedWhileNoBackendRanIsReportedUntilForgotten() async throws {
        let fixture = try Fixture()
        let id = WorkerID(job: "missed", run: 3, index: 0)
        var first: LocalBackend? = try fixture.backend()
        try await first?.start(fixture.launch(id, "\(Script.waitForGo); exit 5"))
        first = nil
        fixture.release(id)
        try await eventually("the shim's exit record") { fixture.workerDirectory(id).exitRecord != nil }

        let second = try fixture.backend()
        let exits = ExitLog(second)
        let adoption = try await second.adopt()
        #expect(adoption.running.isEmpty)
        #expect(adoption.missedExits.map(\.id) == [id])
        #expect(adoption.missedExits.first?.status == .exited(5))
        // Once per backend: not again from adopt, nor through exits.
        #expect(try await second.adopt() == Adoption())
        try await Task.sleep(for: .milliseconds(100))
        #expect(exits.all(of: id).isEmpty)

        // Not acknowledged: a scheduler that died before recording it hears of it again.
        let third = try fixture.backend()
        #expect(try await third.adopt().missedExits.map(\.id) == [id])
        try await third.forget(id)
        #expect(try await fixture.backend().adopt() == Adoption())
    }

    @Test func workerWhoseShimWasKilledCountsAsKilled() async throws {
        let fixture = try Fixture()
        let id = WorkerID(job: "shimless", run: 1, index: 0)
        var first: LocalBackend? = try fixture.backend()
        try await first?.start(fixture.launch(id, Script.idle))
        first = nil
        let started = try #require(fixture.workerDirectory(id).started)
        kill(started.shimPid, SIGKILL)
        try await eventually("the shim gone") { !fixture.workerDirectory(id).shimIsAlive() }
        #expect(!isGone(started.workerPid))

        let second = try fixture.backend()
        let adoption = try await second.adopt()
        #expect(adoption.running.isEmpty)
        #expect(adoption.missedExits.map(\.status) == [.signaled(9)])
        try await eventually("the orphaned worker killed") { isGone(started.workerPid) }

        // The same while a backend watches: the exit comes through `exits`.
        let exits = ExitLog(second)
        let watched = WorkerID(job: "shimless", run: 1, index: 1)
        try await second.start(fixture.launch(watched, Script.idle))
        let shim = try #require(fixture.workerDirectory(watched).started)
        kill(shim.shimPid, SIGKILL)
        let exit = try await exits.exit(of: watched)
        #expect(exit.status == .signaled(9))
        #expect(!exit.requested)
        try await eventually("the orphaned worker killed") { isGone(shim.workerPid) }
    }
}
