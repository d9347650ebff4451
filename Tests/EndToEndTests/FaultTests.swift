import Foundation
import TideTestSupport
import Testing

/// Parts of the stack die in the middle of 20 jobs; every job still completes, once.
@Suite(.serialized) struct FaultTests {
    /// Submits 20 short jobs of 1 or 2 workers on 4 GPUs.
    static func submitTwenty(_ stack: Stack, _ client: Client) async throws -> [String] {
        var names: [String] = []
        for index in 0..<20 {
            names.append(try await client.create(jobYAML(
                "job-\(index)", accelerator: stack.accelerator, command: ["/bin/sh", "-c", "sleep 1.\(index % 5)"],
                min: 1, max: 1 + index % 2)))
        }
        return names
    }

    static func expectAllComplete(_ names: [String], _ client: Client, _ stack: Stack) async throws {
        for name in names {
            #expect(try await client.waitFor(name, timeout: .seconds(120)) { $0 == "Completed" || $0 == "Failed" } == "Completed")
        }
        let overlaps = RunHistory(directory: stack.directory).overlappingRuns
        #expect(overlaps.isEmpty, "runs alive at once: \(overlaps.map { "\($0.0.job) \($0.0.run)/\($0.1.run)" })")
    }

    @Test func aKilledSchedulerIsBackInChargeAndLosesNothing() async throws {
        try await Stack.with(gpus: 4) { stack in
            let client = Client(api: stack.api)
            let names = try await Self.submitTwenty(stack, client)
            try await Task.sleep(for: .seconds(2))
            stack.scheduler?.signal(SIGKILL)
            _ = await stack.scheduler?.stop(timeout: .seconds(5))
            let killed = ContinuousClock.now
            try await stack.startScheduler()
            #expect(ContinuousClock.now - killed < .seconds(5), "the new scheduler took \(ContinuousClock.now - killed) to take over")
            try await Self.expectAllComplete(names, client, stack)
        }
    }

    @Test func theAllocatorAndTheServiceKilledMidway() async throws {
        try await Stack.with(gpus: 4) { stack in
            let client = Client(api: stack.api)
            let names = try await Self.submitTwenty(stack, client)
            try await Task.sleep(for: .seconds(1))
            try await stack.restartAllocator(killing: true)
            try await Task.sleep(for: .seconds(1))
            let restarted = try await stack.restartService(killing: true)
            try await Self.expectAllComplete(names, Client(api: restarted), stack)
        }
    }

    /// On a broker and a database of the test's own: RabbitMQ is SIGKILLed and
    /// started again, then SecantusDB, then a collector run is SIGKILLed, all
    /// while the twenty jobs run.
    @Test func theBrokerTheDatabaseAndTheCollectorDieMidway() async throws {
        let broker = ServerProcess(.rabbitmq)
        let database = ServerProcess(.secantusdb)
        defer {
            broker.remove()
            database.remove()
        }
        let servers = Stack.Servers(amqp: try broker.start(), mongo: try database.start())
        try await Stack.with(gpus: 4, servers: servers) { stack in
            let client = Client(api: stack.api)
            let names = try await Self.submitTwenty(stack, client)
            try await Task.sleep(for: .seconds(1))
            try broker.kill()
            try broker.start()
            try await Task.sleep(for: .seconds(1))
            try database.kill()
            try database.start()
            let collector = try stack.startCollector()
            try await Task.sleep(for: .milliseconds(300))
            collector.signal(SIGKILL)
            _ = await collector.stop()
            try await Self.expectAllComplete(names, client, stack)
            let again = try stack.startCollector()
            #expect(await again.waitForExit(timeout: .seconds(60)) == 0, "a collector run after the killed one failed")
        }
    }
}
