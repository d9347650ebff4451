import Foundation
import TideBackend
import Testing
import TideTestSupport

@testable import TideLocalBackend

/// Starting workers: their signals, environment, exits, and starts that fail or repeat.
@Suite struct StartTests {
    @Test func workerStartsWithNoSignalBlockedOrIgnored() async throws {
        // Started from a thread of Swift's pool, which blocks signals: the worker must not inherit that.
        let (fixture, backend, exits) = try Fixture.withBackend()
        let id = WorkerID(job: "mask", run: 1, index: 0)
        try await backend.start(fixture.launch(id, "grep -E '^Sig(Blk|Ign)' /proc/self/status"))
        let exit = try await exits.exit(of: id)
        #expect(exit.status == .exited(0))
        #expect(!exit.requested)
        let log = fixture.log(id)
        #expect(log.contains("SigBlk:\t0000000000000000"), "\(log)")
        #expect(log.contains("SigIgn:\t0000000000000000"), "\(log)")
    }

    @Test func environmentHasTheLaunchsVariablesAndGPUs() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let withGPUs = WorkerID(job: "env", run: 1, index: 0)
        let without = WorkerID(job: "env", run: 1, index: 1)
        let script = #"echo "cuda=[${CUDA_VISIBLE_DEVICES-unset}] batch=$BATCH job=${TIDE_JOB-unset} path=${PATH:+set}""#
        try await backend.start(fixture.launch(withGPUs, script, gpus: [0, 2], environment: ["BATCH": "256"]))
        try await backend.start(fixture.launch(without, script, environment: ["BATCH": "8"]))
        _ = try await exits.exit(of: withGPUs)
        _ = try await exits.exit(of: without)
        // The scheduler sets the TIDE_* variables; the backend adds none of them.
        #expect(fixture.log(withGPUs) == "cuda=[0,2] batch=256 job=unset path=set\n")
        // No GPU given: none visible, rather than all of them.
        #expect(fixture.log(without) == "cuda=[] batch=8 job=unset path=set\n")
    }

    @Test func exitCodesAndSignalsAreReported() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let cases: [(String, WorkerExit.Status)] = [
            ("exit 0", .exited(0)), ("exit 3", .exited(3)), ("kill -KILL $$", .signaled(9)), ("kill -TERM $$", .signaled(15)),
        ]
        for (index, (script, _)) in cases.enumerated() {
            try await backend.start(fixture.launch(WorkerID(job: "codes", run: 1, index: index), script))
        }
        for (index, (script, status)) in cases.enumerated() {
            let id = WorkerID(job: "codes", run: 1, index: index)
            let exit = try await exits.exit(of: id)
            #expect(exit.status == status, "\(script)")
            #expect(!exit.requested, "\(script)")
            // Stopping what already ended does nothing, and reports nothing more.
            try await backend.stop(id, grace: .seconds(1))
        }
        try await Task.sleep(for: .milliseconds(100))
        for index in cases.indices {
            #expect(exits.all(of: WorkerID(job: "codes", run: 1, index: index)).count == 1)
        }
        #expect(exits.all(of: WorkerID(job: "codes", run: 1, index: 0))[0].isSuccess)
    }

    @Test func missingCommandIsReportedAsFailedToStart() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let missing = WorkerID(job: "missing", run: 1, index: 0)
        var launch = fixture.launch(missing, "")
        launch.command = ["tide-no-such-command", "--epochs", "3"]
        try await backend.start(launch)
        let exit = try await exits.exit(of: missing)
        guard case .failedToStart(let reason) = exit.status else {
            Issue.record("expected failedToStart, got \(exit.status)")
            return
        }
        #expect(reason == "exec tide-no-such-command: No such file or directory")
        #expect(fixture.log(missing).contains(reason))

        let badDirectory = WorkerID(job: "missing", run: 1, index: 1)
        launch = fixture.launch(badDirectory, "true")
        launch.workingDirectory = "/tide-no-such-directory"
        try await backend.start(launch)
        #expect(
            try await exits.exit(of: badDirectory).status
                == .failedToStart("chdir /tide-no-such-directory: No such file or directory"))
    }

    @Test func missingShimThrowsAndLeavesNothingToAdopt() async throws {
        let fixture = try Fixture()
        let backend = try fixture.backend(shim: URL(fileURLWithPath: "/tide-no-such-shim"))
        let id = WorkerID(job: "noshim", run: 1, index: 0)
        await #expect(throws: BackendError.self) { try await backend.start(fixture.launch(id, "true")) }
        let adoption = try await fixture.backend().adopt()
        #expect(adoption == Adoption())
    }

    @Test func startIsIdempotent() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let id = WorkerID(job: "twice", run: 2, index: 0)
        let launch = fixture.launch(id, "echo started; \(Script.waitForGo)")
        async let first: Void = backend.start(launch)
        async let second: Void = backend.start(launch)
        _ = try await (first, second)
        try await backend.start(launch)
        // A start returns once the worker is spawned, before its first line is written: under
        // a loaded CI machine the log was still empty here. Started once is checked after it
        // ends, below.
        try await eventually("the worker's first line") { fixture.log(id) == "started\n" }
        let pid = try #require(fixture.workerDirectory(id).started).workerPid

        fixture.release(id)
        #expect(try await exits.exit(of: id).status == .exited(0))
        // Ended and not forgotten: not started again, its exit not reported again.
        try await backend.start(launch)
        try await Task.sleep(for: .milliseconds(100))
        #expect(fixture.log(id) == "started\n")
        #expect(exits.all(of: id).count == 1)

        // Forgotten: the id may run again.
        try await backend.forget(id)
        try await backend.start(launch)
        try await eventually("a second exit") { exits.all(of: id).count == 2 }
        #expect(fixture.log(id) == "started\nstarted\n")
        #expect(fixture.workerDirectory(id).exitRecord?.workerPid != pid)
    }

    @Test func aWorkerStoppedByTideStartsAgainUnderItsIdBeforeItsEndIsAcknowledged() async throws {
        let (fixture, backend, exits) = try Fixture.withBackend()
        let id = WorkerID(job: "regrown", run: 1, index: 3)
        let launch = fixture.launch(id, "echo started; \(Script.waitForGo)")
        try await backend.start(launch)
        try await backend.stop(id, grace: .seconds(5))
        #expect(try await exits.exit(of: id).requested)
        // Shrunk, then grown back within its run, before the scheduler acknowledged (forgot) the end.
        try await backend.start(launch)
        fixture.release(id)
        try await eventually("the second worker's end") { exits.all(of: id).count == 2 }
        let second = exits.all(of: id)[1]
        #expect(second.status == .exited(0) && !second.requested, "\(second)")
        #expect(fixture.log(id) == "started\nstarted\n")
    }
}
