import Foundation
import Logging
import Synchronization
import TideBackend
import TideTestSupport

@testable import TideLocalBackend

/// A data directory of the test's own (removed at the end) and backends on it.
final class Fixture: Sendable {
    let directory: URL
    let shim: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tide-local-\(UUID().uuidString.prefix(8))", isDirectory: true)
        shim = try builtExecutable("tide-worker-shim")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A fixture, a backend on it and that backend's exits.
    static func withBackend() throws -> (Fixture, LocalBackend, ExitLog) {
        let fixture = try Fixture()
        let backend = try fixture.backend()
        return (fixture, backend, ExitLog(backend))
    }

    func backend(shim: URL? = nil) throws -> LocalBackend {
        var logger = Logger(label: "tide.local-backend.test")
        logger.logLevel = .warning
        return try LocalBackend(
            dataDirectory: directory, shim: shim ?? self.shim, logger: logger, pollInterval: .milliseconds(20))
    }

    /// A worker running `/bin/sh -c script` in its worker directory.
    func launch(
        _ id: WorkerID, _ script: String, gpus: [Int] = [], environment: [String: String] = [:]
    ) -> WorkerLaunch {
        WorkerLaunch(
            id: id, workerCount: 1, node: "local", gpus: gpus, command: ["/bin/sh", "-c", script],
            environment: environment)
    }

    /// Starts a worker whose script prints "ready" once set up (its traps, ...), and waits for that.
    func startReady(_ backend: LocalBackend, _ launch: WorkerLaunch) async throws {
        try await backend.start(launch)
        try await eventually("\(launch.id) ready") { log(launch.id).hasPrefix("ready") && log(launch.id).contains("\n") }
    }

    func workerDirectory(_ id: WorkerID) -> WorkerDirectory {
        WorkerDirectory(workers: directory.appendingPathComponent("workers", isDirectory: true), id: id)
    }

    func log(_ id: WorkerID) -> String {
        (try? String(contentsOf: workerDirectory(id).logFile, encoding: .utf8)) ?? ""
    }

    /// Lets a worker waiting on `go` in its directory go on.
    func release(_ id: WorkerID) {
        _ = FileManager.default.createFile(atPath: workerDirectory(id).url.appendingPathComponent("go").path, contents: nil)
    }
}

/// Shell fragments: every loop ends by itself within a minute, so a failed test leaves
/// nothing running for long (and a whole-suite run, where a test may stall for half a
/// minute, does not see them end before the test is done with them).
enum Script {
    /// Waits for the file `go` in the working directory.
    static let waitForGo = "i=0; while [ ! -e go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done"
    /// Sleeps in short steps for up to a minute.
    static let idle = "i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done"
}

/// A backend's exits as they come (one reader of its stream, as the scheduler is).
final class ExitLog: Sendable {
    private final class Received: Sendable {
        let exits = Mutex<[WorkerExit]>([])
    }

    private let received = Received()

    init(_ backend: LocalBackend) {
        let stream = backend.exits
        let received = received
        Task {
            for await exit in stream { received.exits.withLock { $0.append(exit) } }
        }
    }

    func all(of id: WorkerID) -> [WorkerExit] {
        received.exits.withLock { $0.filter { $0.id == id } }
    }

    /// The first exit of `id`, waiting for it.
    func exit(of id: WorkerID, within timeout: Duration = .seconds(30)) async throws -> WorkerExit {
        try await eventually(within: timeout, "an exit of \(id)") { !all(of: id).isEmpty }
        return all(of: id)[0]
    }
}
