import Foundation
import TidePorts
import TideStack
import TideTestSupport
import Testing

/// `cmd up`, `cmd status` and `cmd down` as a user runs them: the bundled
/// RabbitMQ and SecantusDB, the services, the supervisor's restarts, and a
/// job that survives the stack going down and up again.
@Suite(.serialized) struct LocalStackTests {
    let directory: URL
    let ports: [Int]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestServers.uniqueName("stack"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ports = try (0..<3).map { _ in try PortCheck.freePort() }
    }

    /// `cmd ARGS` with the stack in `directory` (found there by `TIDE_DATA_DIR`, as by a user's shell).
    func cmd(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String, errors: String) {
        let environment = ProcessInfo.processInfo.environment.filter { ["PATH", "LANG", "PYENV_ROOT"].contains($0.key) }
            .merging(["TIDE_DATA_DIR": directory.path, "HOME": directory.path]) { $1 }
        return try Spawn.run([try builtExecutable("cmd").path] + arguments, input: Data(input.utf8), environment: environment)
    }

    func up(_ extra: [String] = []) throws -> (status: Int32, output: String, errors: String) {
        try cmd(
            ["up", "--gpus", "2", "--accelerator", "stack-gpu", "--collector-interval", "2", "--min-resize-interval", "0",
             "--api-port", "\(ports[0])", "--scheduler-port", "\(ports[1])", "--allocator-port", "\(ports[2])"] + extra)
    }

    var status: StackStatus? { StackStatus.load(from: StackPaths(root: directory).status) }

    func part(_ name: String) -> StackStatus.Part? { status?.parts.first { $0.name == name } }

    func jobState(_ name: String) throws -> String {
        let result = try cmd(["get", "job", name, "-o", "json"])
        // A service restarting answers nothing for a moment: no state yet.
        guard result.status == 0 else { return "?" }
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return (json?["status"] as? [String: Any])?["state"] as? String ?? "?"
    }

    func waitForJob(_ name: String, timeout: Duration, _ check: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var state = try jobState(name)
        while !check(state), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            state = try jobState(name)
        }
        return state
    }

    @Test func upRunsTheStackRestartsACrashedPartAndDownThenUpResumesTheJob() async throws {
        defer { _ = try? cmd(["down"]) }
        let notUp = try cmd(["status"])
        #expect(notUp.status == 1 && notUp.output.contains("Tide is not up"))

        let started = try up()
        #expect(started.status == 0, "cmd up failed: \(started.output) \(started.errors)")
        #expect(started.output.contains("Tide is up"))
        let shown = try cmd(["status"])
        #expect(shown.status == 0)
        for name in ["rabbitmq", "secantusdb", "training-service", "resource-allocator", "scheduler"] {
            #expect(part(name)?.state == .ready, "\(name): \(String(describing: part(name)))")
            #expect(shown.output.contains(name))
        }
        let nodes = try cmd(["get", "nodes"])
        #expect(nodes.output.contains("local-0") && nodes.output.contains("stack-gpu"), "\(nodes)")

        // SIGKILL the training service: the supervisor has it running again within a second.
        let victim = try #require(part("training-service")?.pid)
        kill(victim, SIGKILL)
        let killed = ContinuousClock.now
        while part("training-service")?.pid == nil || part("training-service")?.pid == victim {
            #expect(ContinuousClock.now - killed < .seconds(1), "no new training service within a second")
            if ContinuousClock.now - killed > .seconds(5) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(part("training-service")?.restarts == 1)
        while part("training-service")?.state != .ready, ContinuousClock.now - killed < .seconds(30) {
            try await Task.sleep(for: .milliseconds(50))
        }

        // A job of 30 two-second epochs (about 30 s on 2 workers) that checkpoints: it must outlive
        // the stack's restart, and still run when a loaded machine gets round to `cmd down`.
        let job = """
            apiVersion: tide/v1
            kind: TrainingJob
            metadata: {name: survivor}
            spec:
              accelerator: stack-gpu
              workers: {min: 1, max: 2}
              epochs: 30
              template:
                command: ["python3", "\(Self.trainScript)", "--epoch-seconds", "2"]
            """
        let created = try cmd(["create", "-f", "-"], input: job)
        #expect(created.status == 0, "\(created)")
        let name = try #require(created.output.split(separator: " ").last.map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines))

        #expect(try await waitForJob(name, timeout: .seconds(60)) { $0 != "Submitted" && $0 != "Waiting" && $0 != "?" } == "Running")
        try await Task.sleep(for: .seconds(2))
        let down = try cmd(["down"])
        #expect(down.status == 0 && down.output.contains("Tide is down"), "\(down)")
        #expect(status?.state == .stopped)
        for part in status?.parts ?? [] { #expect(part.state == .stopped && part.pid == nil, "\(part)") }
        #expect(try cmd(["status"]).status == 1)

        // Up again: the job resumes from its checkpoint and completes.
        let again = try up()
        #expect(again.status == 0, "second cmd up failed: \(again.output) \(again.errors)")
        #expect(try await waitForJob(name, timeout: .seconds(120)) { $0 == "Completed" || $0 == "Failed" } == "Completed")
        let described = try cmd(["describe", "job", name]).output
        #expect(!described.contains("Retrying"), "a stop Tide asked for counted as a failure: \(described)")
    }

    @Test func upWithAPortTakenSaysWhichAndStartsNothing() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(ports[0]).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 1)
        let result = try up()
        #expect(result.status != 0)
        #expect(result.errors.contains("port \(ports[0]), for the training service, is taken"), "\(result)")
        #expect(try cmd(["status"]).status == 1)
    }

    @Test func upWithAServiceMissingNamesItAndLeavesNothingRunning() throws {
        // A cmd installed alone: the services it would run beside it are not there.
        let lonely = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: lonely, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try builtExecutable("cmd"), to: lonely.appendingPathComponent("cmd"))
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TIDE_DATA_DIR": directory.path, "HOME": directory.path]
        let result = try Spawn.run(
            [lonely.appendingPathComponent("cmd").path, "up", "--api-port", "\(ports[0])", "--scheduler-port", "\(ports[1])",
             "--allocator-port", "\(ports[2])"], environment: environment)
        #expect(result.status != 0)
        #expect(result.errors.contains("training-service") && result.errors.contains("missing"), "\(result)")
        #expect(try cmd(["status"]).status == 1)
        #expect(PortCheck.isFree(ports[0]))
    }

    static var trainScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/workloads/train.py").path
    }
}
