import Foundation
import TideTestSupport
import Testing

/// Time limits, failback and the gang start time-out, on the real stack.
@Suite(.serialized) struct LimitsTests {
    static func yaml(_ name: String, accelerator: String, command: String, extra: String = "") -> String {
        """
        apiVersion: tide/v1
        kind: TrainingJob
        metadata: {name: \(name)}
        spec:
          accelerator: \(accelerator)
          workers: {min: 1, max: 1}
          epochs: 1
          maxRetries: 2
        \(extra)
          template:
            command: ["/bin/sh", "-c", "\(command)"]
        """
    }

    @Test func aJobPastItsTimeLimitIsStoppedAndFails() async throws {
        try await Stack.with(gpus: 1) { stack in
            let client = Client(api: stack.api)
            let name = try await client.create(Self.yaml("slow", accelerator: stack.accelerator, command: "sleep 60", extra: "  timeLimit: 2s"))
            let started = ContinuousClock.now
            #expect(try await client.waitFor(name, timeout: .seconds(30)) { $0 == "Failed" || $0 == "Completed" } == "Failed")
            #expect(ContinuousClock.now - started < .seconds(10), "the time limit took \(ContinuousClock.now - started)")
            let message = try await client.status(name)["message"] as? String ?? ""
            #expect(message.contains("time limit of 2s"), "\(message)")
            // Its worker is gone, and the GPU serves the next job.
            let next = try await client.create(Self.yaml("next", accelerator: stack.accelerator, command: "true"))
            #expect(try await client.waitFor(next) { $0 == "Completed" || $0 == "Failed" } == "Completed")
        }
    }

    @Test func outOfMemoryFailsBackToTheNamedGPUType() async throws {
        try await Stack.with(gpus: 1) { stack in
            let client = Client(api: stack.api)
            let bigger = stack.accelerator + "-big"
            let name = try await client.create(
                Self.yaml("oom", accelerator: stack.accelerator, command: "exit 137", extra: "  failback: {accelerator: \(bigger)}"))
            let deadline = ContinuousClock.now + .seconds(30)
            var job: [String: Any] = [:]
            while ContinuousClock.now < deadline {
                job = try await client.send("GET", "/v1/jobs/\(name)").json
                if (job["spec"] as? [String: Any])?["accelerator"] as? String == bigger { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let spec = job["spec"] as? [String: Any] ?? [:]
            let status = job["status"] as? [String: Any] ?? [:]
            #expect(spec["accelerator"] as? String == bigger, "\(job)")
            #expect(spec["failback"] == nil, "a failback is used once: \(spec)")
            #expect(status["state"] as? String == "Waiting")
            #expect((status["message"] as? String ?? "").contains("failing back to \(bigger)"), "\(status)")
            let events = try await client.events(name, including: "FailedBack")
            #expect(events.contains("FailedBack") && !events.contains("Retrying"), "\(events)")
        }
    }

    @Test func aGangThatDoesNotStartInTimeGivesItsGPUsBackAndWaits() async throws {
        // 100 µs: no worker process can be spawned and exec'd that fast, so every start times out.
        try await Stack.with(gpus: 2, schedulerArguments: ["--gang-start-timeout", "0.0001"]) { stack in
            let client = Client(api: stack.api)
            let name = try await client.create(Self.yaml("late", accelerator: stack.accelerator, command: "sleep 30"))
            let events = try await client.events(name, including: "StartTimedOut")
            #expect(events.contains("StartTimedOut"), "\(events)")
            let status = try await client.status(name)
            #expect(status["state"] as? String == "Waiting")
            #expect((status["message"] as? String ?? "").contains("did not all start within"), "\(status)")
            // The workers that did start were stopped: none is left running.
            try await Task.sleep(for: .seconds(1))
            let running = RunHistory(directory: stack.directory).intervals.filter { $0.end == .infinity }
            #expect(running.isEmpty, "workers left running after the time-out: \(running.map { "\($0.job) run \($0.run)" })")
        }
    }
}
