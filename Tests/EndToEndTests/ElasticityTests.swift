import Foundation
import TideTestSupport
import Testing

/// Capacity moves between jobs as they arrive and as nodes come.
@Suite(.serialized) struct ElasticityTests {
    @Test func aLateHighPriorityJobGetsGPUs() async throws {
        try await Stack.with(gpus: 2) { stack in
            let client = Client(api: stack.api)
            let low = try await client.create(jobYAML(
                "low", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "exec sleep 300"], min: 1, max: 2))
            _ = try await client.waitFor(low) { $0 == "Running" }
            let high = try await client.create(jobYAML(
                "high", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "exec sleep 300"], min: 2, max: 2,
                priority: 5))
            _ = try await client.waitFor(high, timeout: .seconds(20)) { $0 == "Running" }
            #expect(try await client.state(low) == "Waiting")
            #expect(try await client.events(low, including: "Preempted").contains("Preempted"))
            #expect(RunHistory(directory: stack.directory).overlappingRuns.isEmpty)
        }
    }

    @Test func aLabelledNodeAddsCapacityRunningJobsGrowInto() async throws {
        try await Stack.with(gpus: 1, schedulerArguments: ["--policy", "elastic-fifo"]) { stack in
            let client = Client(api: stack.api)
            let name = try await client.create(jobYAML(
                "grower", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "exec sleep 300"], min: 1, max: 3))
            _ = try await client.waitFor(name) { $0 == "Running" }
            #expect(try await client.status(name)["workers"] as? Int == 1)
            let labelled = ContinuousClock.now
            try await stack.setNode("local-1", gpus: 2, announce: true)
            var workers = 0
            while workers != 3 && ContinuousClock.now - labelled < .seconds(15) {
                workers = try await client.status(name)["workers"] as? Int ?? 0
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(workers == 3, "the job did not grow onto the new node")
            #expect(ContinuousClock.now - labelled < .seconds(5))
            #expect(RunHistory(directory: stack.directory).overlappingRuns.isEmpty)
        }
    }

    /// A node relabelled with fewer GPUs than its workers hold: the job restarts on what is left.
    @Test func aNodeThatLosesGPUsUnderWorkersMovesThem() async throws {
        try await Stack.with(gpus: 4, schedulerArguments: ["--policy", "elastic-fifo"]) { stack in
            let client = Client(api: stack.api)
            let name = try await client.create(jobYAML(
                "shrunk", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "exec sleep 300"], min: 1, max: 4))
            _ = try await client.waitFor(name) { $0 == "Running" }
            try await stack.setNode("local-0", gpus: 2, announce: true)
            let changed = ContinuousClock.now
            var workers = 0
            while workers != 2 && ContinuousClock.now - changed < .seconds(15) {
                workers = try await client.status(name)["workers"] as? Int ?? 0
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(workers == 2, "the job did not move onto the GPUs left")
            #expect(try await client.state(name) == "Running")
            #expect(RunHistory(directory: stack.directory).overlappingRuns.isEmpty)
        }
    }
}
