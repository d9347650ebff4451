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

    @Test func aReportWithTheJobsTokenReachesTheProgressQueue() async throws {
        let queue = TestServers.uniqueName("tide.progress.test")
        let broker = try BrokerConfiguration(uri: try TestServers.amqpURI)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let consumer = try await Consumer(
            configuration: broker, queue: queue,
            topology: Topology(queues: [Topology.Queue(queue, durable: true, autoDelete: true)]), logger: logger)
        defer { consumer.close() }
        let harness = try await Harness.make {
            $0.jobTokens = JobTokens(secret: Self.secret)
            $0.progressQueue = queue
        }
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
