import Foundation
import TideHTTP
import TideTestSupport
import Testing

/// Jobs run on the real stack: broker, database, services and worker processes.
@Suite(.serialized) struct JobLifecycleTests {
    @Test func jobsRunToCompletion() async throws {
        try await Stack.with(gpus: 4) { stack in
            let client = Client(api: stack.api)
            let marker = stack.directory.appendingPathComponent("ran").path
            var names: [String] = []
            for index in 0..<3 {
                names.append(try await client.create(jobYAML(
                    "short-\(index)", accelerator: stack.accelerator,
                    command: ["/bin/sh", "-c", "echo $TIDE_JOB $TIDE_WORKER_INDEX/$TIDE_NUM_WORKERS gpus=$CUDA_VISIBLE_DEVICES >> \(marker); sleep 0.3"],
                    min: 1, max: 2)))
            }
            for name in names {
                #expect(try await client.waitFor(name) { $0 == "Completed" || $0 == "Failed" } == "Completed")
                let events = try await client.events(name, including: "Completed")
                #expect(events.contains("Started") && events.last == "Completed", "\(name): \(events)")
            }
            let lines = try String(contentsOfFile: marker, encoding: .utf8).split(separator: "\n")
            for name in names { #expect(lines.contains { $0.hasPrefix(name + " 0/") }, "\(lines)") }
            #expect(lines.allSatisfy { $0.contains("gpus=") && !$0.hasSuffix("gpus=") })
        }
    }

    @Test func aWorkersOutputIsServedAsItsLog() async throws {
        try await Stack.with(gpus: 1) { stack in
            let client = Client(api: stack.api)
            let name = try await client.create(jobYAML(
                "talker", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "echo hello from $TIDE_JOB; echo oops >&2"]))
            #expect(try await client.waitFor(name) { $0 == "Completed" || $0 == "Failed" } == "Completed")
            let log = try await CurlHTTPClient().send(
                HTTPRequest(method: "GET", url: stack.api + "/v1/jobs/\(name)/logs",
                            headers: [HTTPHeader("Authorization", "Bearer \(Stack.token)")]))
            let text = String(decoding: log.body, as: UTF8.self)
            #expect(log.status == 200)
            #expect(text.contains("hello from \(name)") && text.contains("oops"), "\(text)")
            let (missing, body) = try await client.send("GET", "/v1/jobs/\(name)/logs?worker=5")
            #expect(missing == 404)
            #expect((body["error"] as? String ?? "").contains("no log for worker 5"), "\(body)")
        }
    }

    @Test func aFailingWorkerIsRetriedThenTheJobCompletes() async throws {
        try await Stack.with(gpus: 2) { stack in
            let client = Client(api: stack.api)
            let flag = stack.directory.appendingPathComponent("failed-once").path
            let name = try await client.create(jobYAML(
                "flaky", accelerator: stack.accelerator,
                command: ["/bin/sh", "-c", "if [ -f \(flag) ]; then exit 0; fi; touch \(flag); exit 3"], maxRetries: 2))
            #expect(try await client.waitFor(name) { $0 == "Completed" || $0 == "Failed" } == "Completed")
            let events = try await client.events(name, including: "Retrying")
            #expect(events.contains("Retrying"), "\(events)")
        }
    }

    @Test func aCommandThatDoesNotExistFailsWithItsName() async throws {
        try await Stack.with(gpus: 1) { stack in
            let client = Client(api: stack.api)
            let name = try await client.create(jobYAML("missing", accelerator: stack.accelerator, command: ["/no/such/trainer"]))
            #expect(try await client.waitFor(name) { $0 == "Completed" || $0 == "Failed" } == "Failed")
            let message = try await client.status(name)["message"] as? String ?? ""
            #expect(message.contains("/no/such/trainer"), "\(message)")
        }
    }

    @Test func deletingARunningJobStopsItsWorkers() async throws {
        try await Stack.with(gpus: 1) { stack in
            let client = Client(api: stack.api)
            let pidFile = stack.directory.appendingPathComponent("pid").path
            let name = try await client.create(jobYAML(
                "long", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "echo $$ > \(pidFile); exec sleep 300"]))
            _ = try await client.waitFor(name) { $0 == "Running" }
            var pid: Int32 = 0
            for _ in 0..<100 where pid == 0 {
                pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(pid > 0 && kill(pid, 0) == 0)
            #expect(try await client.send("DELETE", "/v1/jobs/\(name)").status == 200)
            #expect(try await client.state(name) == "Canceled")
            let deadline = ContinuousClock.now + .seconds(15)
            while kill(pid, 0) == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(kill(pid, 0) != 0, "the worker outlived its job")
        }
    }
}
