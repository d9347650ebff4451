import Foundation
import HummingbirdTesting
import Testing
import TideAPI
import TideCore
import TideJobs
import TideStore

/// POST /v1/jobs: stored, published with a confirm, the outbox flag cleared.
@Suite struct CreateTests {
    @Test func yamlJobIsStoredPublishedAndServed() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let response = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "resnet"))
            #expect(response.status == .created, "\(response.text)")
            let job = try response.decode(StoredJob.self)
            #expect(job.name.hasPrefix("resnet-"))
            #expect(job.metadata.submittedName == "resnet")
            #expect(job.status.state == .submitted)
            #expect(job.spec.accelerator == harness.accelerator)

            let deliveries = await harness.messages.wait(for: 1)
            #expect(deliveries.map(\.routingKey) == ["\(harness.accelerator).created"])
            let published = try JSONDecoder.tide.decode(StoredJob.self, from: deliveries[0].body)
            #expect(published.name == job.name)
            #expect(deliveries[0].properties.messageID == "\(job.name)/1/created")

            let stored = try #require(try await harness.jobs.findOne([JobRecord.fields.name: .string(job.name)]))
            #expect(stored.job == job)
            // The flag is cleared once the confirm came (in a batch, so shortly after the answer).
            try await eventually { try await harness.jobs.count([JobRecord.outboxField: true]) == 0 }
        }
    }

    @Test func jsonJobIsAccepted() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let json = """
                {"apiVersion": "tide/v1", "kind": "TrainingJob", "metadata": {"name": "bert"},
                 "spec": {"accelerator": "\(harness.accelerator)", "workers": {"min": 2, "max": 8}, "epochs": 5,
                          "template": {"image": "busybox"}}}
                """
            let response = try await send(client, .post, "/v1/jobs", body: json, contentType: "application/json")
            #expect(response.status == .created, "\(response.text)")
            let job = try response.decode(StoredJob.self)
            #expect(job.spec.workers == JobSpec.WorkerRange(min: 2, max: 8))
            #expect(await harness.messages.wait(for: 1).count == 1)
        }
    }

    @Test func sameNameTwiceGetsDistinctStoredNames() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            var names: Set<String> = []
            for _ in 0..<3 {
                let response = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "twin"))
                #expect(response.status == .created)
                names.insert(try response.decode(StoredJob.self).name)
            }
            #expect(names.count == 3)
            #expect(try await harness.jobs.count() == 3)
        }
    }

    @Test func createRecordsAnEvent() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml()).decode(StoredJob.self)
            let events = try await send(client, .get, "/v1/jobs/\(job.name)/events")
            #expect(events.status == .ok)
            struct Events: Decodable { var items: [JobHistoryEvent] }
            #expect(try events.decode(Events.self).items.map(\.type) == ["Created"])
        }
    }
}

extension JSONDecoder {
    /// Decodes the service's JSON (ISO 8601 dates with milliseconds).
    static var tide: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = formatter.date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
            }
            return date
        }
        return decoder
    }
}

/// Polls `condition` until it holds or `timeout` passes (then records a failure).
func eventually(
    timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("condition did not hold within \(timeout)", sourceLocation: sourceLocation)
}
