import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TideAPI
import TideBroker
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// Workers' progress reports and the local backend's nodes.
@Suite struct ProgressAndNodeTests {
    static let secret = "job-secret"

    /// A service that takes reports with the jobs' tokens, and a consumer of its progress queue.
    static func harnessWithProgressQueue() async throws -> (Harness, Consumer) {
        let queue = TestServers.uniqueName("tide.progress.test")
        let broker = try BrokerConfiguration(uri: try TestServers.amqpURI)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let consumer = try await Consumer(
            configuration: broker, queue: queue,
            topology: Topology(queues: [Topology.Queue(queue, durable: true, autoDelete: true)]), logger: logger)
        do {
            let harness = try await Harness.make {
                $0.jobTokens = JobTokens(secret: secret)
                $0.progressQueue = queue
            }
            return (harness, consumer)
        } catch {
            consumer.close()
            throw error
        }
    }

    @Test func aReportWithTheJobsTokenReachesTheProgressQueue() async throws {
        let (harness, consumer) = try await Self.harnessWithProgressQueue()
        defer { consumer.close() }
        try await harness.test { client in
            let created = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "reporter"))
            let name = try created.decode(StoredJob.self).name
            let token = JobTokens(secret: Self.secret).token(job: name)
            let report = #"{"epoch": 3, "epochs": 10, "workers": 2, "epochSeconds": 12.5, "loss": 0.4}"#
            let accepted = try await send(
                client, .post, "/v1/jobs/\(name)/progress", body: report, contentType: "application/json",
                headers: [.authorization: "Bearer \(token)"])
            #expect(accepted.status == .accepted)

            var iterator = consumer.makeAsyncIterator()
            let delivery = try #require(try await iterator.next())
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let sample = try decoder.decode(ProgressSample.self, from: delivery.body)
            #expect(sample.job == name && sample.accelerator == harness.accelerator)
            #expect(sample.epoch == 3 && sample.epochs == 10 && sample.workers == 2 && sample.epochSeconds == 12.5 && sample.loss == 0.4)
            try await delivery.ack()

            // The API token is not the job's token, another job's token neither.
            for wrong in [testToken, JobTokens(secret: Self.secret).token(job: "other")] {
                let refused = try await send(
                    client, .post, "/v1/jobs/\(name)/progress", body: report, contentType: "application/json",
                    headers: [.authorization: "Bearer \(wrong)"])
                #expect(refused.status == .unauthorized)
            }
            let missing = try await send(
                client, .post, "/v1/jobs/nosuch/progress", body: report, contentType: "application/json",
                headers: [.authorization: "Bearer \(JobTokens(secret: Self.secret).token(job: "nosuch"))"])
            #expect(missing.status == .notFound)
            let bad = try await send(
                client, .post, "/v1/jobs/\(name)/progress", body: #"{"epoch": 3, "epochs": 10, "workers": 0, "epochSeconds": 1}"#,
                contentType: "application/json", headers: [.authorization: "Bearer \(token)"])
            #expect(bad.status == .badRequest && bad.error?.field == "workers")
        }
    }

    @Test func aReportFromARunOnAnotherGPUTypeIsRefusedAndNotQueued() async throws {
        let (harness, consumer) = try await Self.harnessWithProgressQueue()
        defer { consumer.close() }
        try await harness.test { client in
            let name = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "moved")).decode(StoredJob.self).name
            let headers: HTTPFields = [.authorization: "Bearer \(JobTokens(secret: Self.secret).token(job: name))"]
            // A worker of a run before the job failed back to another type, still stopping.
            let stale = #"{"epoch": 4, "epochs": 10, "workers": 8, "epochSeconds": 3, "accelerator": "nvidia-a100"}"#
            let refused = try await send(
                client, .post, "/v1/jobs/\(name)/progress", body: stale, contentType: "application/json", headers: headers)
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(refused.error?.field == "accelerator")
            #expect(refused.error?.error.contains("nvidia-a100") == true, "\(refused.text)")

            let current = #"{"epoch": 5, "epochs": 10, "workers": 2, "epochSeconds": 9, "accelerator": "\#(harness.accelerator)"}"#
            let accepted = try await send(
                client, .post, "/v1/jobs/\(name)/progress", body: current, contentType: "application/json", headers: headers)
            #expect(accepted.status == .accepted, "\(accepted.text)")
            // Only the current run's report was queued.
            var iterator = consumer.makeAsyncIterator()
            let delivery = try #require(try await iterator.next())
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            #expect(try decoder.decode(ProgressSample.self, from: delivery.body).epoch == 5)
            try await delivery.ack()
        }
    }

    /// A broker that hangs (its machine stalled; SIGSTOP stands for that) holds a report for
    /// the publish timeout, not for as long as it hangs: the worker reports again later.
    @Test(.timeLimit(.minutes(2))) func aReportWhileTheBrokerHangsIsAnsweredWithinThePublishTimeout() async throws {
        let broker = ServerProcess(.rabbitmq)
        defer { broker.remove() }
        let uri = try await offPool { try broker.start() }
        let harness = try await Harness.make(amqpURI: uri) {
            $0.jobTokens = JobTokens(secret: Self.secret)
            $0.progressQueue = TestServers.uniqueName("tide.progress.test")
            $0.publishTimeout = .seconds(1)
        }
        let pid = try #require(broker.pid)
        try await harness.test { client in
            let name = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "hung")).decode(StoredJob.self).name
            let headers: HTTPFields = [.authorization: "Bearer \(JobTokens(secret: Self.secret).token(job: name))"]
            let report = #"{"epoch": 1, "epochs": 10, "workers": 1, "epochSeconds": 2}"#
            let first = try await send(
                client, .post, "/v1/jobs/\(name)/progress", body: report, contentType: "application/json", headers: headers)
            #expect(first.status == .accepted, "\(first.text)")

            kill(pid, SIGSTOP)
            // Resumed whatever happens here: a test that hangs past its time limit never
            // runs its defers, and a stopped node hangs every later rabbitmqctl on the machine.
            let watchdog = Task.detached {
                try await Task.sleep(for: .seconds(20))
                kill(pid, SIGCONT)
            }
            defer {
                watchdog.cancel()
                kill(pid, SIGCONT)
            }
            // A signal to a process of many threads takes effect thread by thread: report only
            // once the kernel shows the whole node stopped ("T" in /proc/PID/stat).
            let deadline = ContinuousClock.now + .seconds(5)
            while processState(pid) != "T" && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let stateBefore = processState(pid)
            #expect(stateBefore == "T", "the broker (pid \(pid)) shows state \(stateBefore ?? "gone"), not stopped")
            let started = ContinuousClock.now
            let held = try await send(
                client, .post, "/v1/jobs/\(name)/progress", body: report, contentType: "application/json", headers: headers)
            let waited = ContinuousClock.now - started
            #expect(
                held.status == .serviceUnavailable,
                "\(held.text); broker state before the report \(stateBefore ?? "?"), after \(processState(pid) ?? "?")")
            #expect(waited < .seconds(10), "the report was held for \(waited)")
        }
    }

    @Test func withoutASecretEveryReportIsRefused() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let response = try await send(
                client, .post, "/v1/jobs/any/progress", body: #"{"epoch":1,"epochs":2,"workers":1,"epochSeconds":1}"#,
                contentType: "application/json", headers: [.authorization: "Bearer x"])
            #expect(response.status == .unauthorized)
            #expect(response.error?.error.contains("TIDE_JOB_TOKEN_SECRET") == true)
        }
    }

    @Test func puttingANodeStoresItAndWakesItsScheduler() async throws {
        let harness = try await Harness.make()
        let accelerator = harness.accelerator
        let messages = harness.messages
        try await harness.test { client in
            let body = #"{"accelerator": "\#(accelerator)", "gpus": 4}"#
            let created = try await send(client, .put, "/v1/nodes/gpu-box-1", body: body, contentType: "application/json")
            #expect(created.status == .created)
            let changed = try await send(
                client, .put, "/v1/nodes/gpu-box-1", body: #"{"accelerator": "\#(accelerator)", "gpus": 2, "schedulable": false}"#,
                contentType: "application/json")
            #expect(changed.status == .ok)
            let stored = try await harness.store.collection(StoreSchema.nodes, of: NodeRecord.self).findOne(["name": "gpu-box-1"])
            #expect(stored?.gpus == 2 && stored?.schedulable == false && stored?.accelerator == accelerator)
            let keys = await messages.wait(for: 2).map(\.routingKey)
            #expect(keys == ["node.\(accelerator).changed", "node.\(accelerator).changed"])

            for (bad, field) in [
                (#"{"accelerator": "V100!", "gpus": 4}"#, "accelerator"), (#"{"accelerator": "v100", "gpus": -1}"#, "gpus"),
            ] {
                let refused = try await send(client, .put, "/v1/nodes/gpu-box-2", body: bad, contentType: "application/json")
                #expect(refused.status == .badRequest && refused.error?.field == field, "\(bad)")
            }
            let badName = try await send(client, .put, "/v1/nodes/Bad_Name", body: body, contentType: "application/json")
            #expect(badName.status == .badRequest)
            #expect(try await harness.store.collection(StoreSchema.nodes, of: NodeRecord.self).count() == 1)
        }
    }
}
