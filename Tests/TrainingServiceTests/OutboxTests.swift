import Foundation
import HummingbirdTesting
import Testing
import TideAPI
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// A broker outage delays job events but never loses them; two replicas share one database.
@Suite(.serialized) struct OutboxTests {
    @Test(.timeLimit(.minutes(3))) func eventsStoredDuringABrokerOutageArriveAfterItRestarts() async throws {
        let broker = ServerProcess(.rabbitmq)
        defer { broker.remove() }
        let uri = try await offPool { try broker.start() }
        let harness = try await Harness.make(amqpURI: uri) { $0.publishTimeout = .milliseconds(300) }
        try await harness.test { client in
            let before = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "before"))
            #expect(before.status == .created)
            #expect(await harness.messages.wait(for: 1).count == 1)
            // The consumer can see the message before the publisher sees its confirm: only
            // then is the first change no longer owed, and a broker stopped before it would
            // leave two owed, not one.
            try await eventually(timeout: .seconds(10)) {
                try await send(client, .get, "/metrics", headers: [:]).text.contains("tide_outbox_owed 0")
            }

            try await offPool { try broker.stop() }
            let during = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "during"))
            #expect(during.status == .created, "\(during.text)")
            let job = try during.decode(StoredJob.self)
            let stored = try #require(try await harness.jobs.findOne([JobRecord.fields.name: .string(job.name)]))
            #expect(stored.outbox == [OutboxEntry(change: .created, version: 1)])
            let owing = try await send(client, .get, "/metrics", headers: [:]).text
            #expect(owing.contains("tide_outbox_owed 1"), "\(owing)")
            #expect(owing.contains("tide_outbox_flagged 1"), "\(owing)")

            try await offPool { _ = try broker.start() }
            let deliveries = await harness.messages.wait(for: 2, timeout: .seconds(60))
            #expect(deliveries.map(\.properties.messageID).contains("\(job.name)/1/created"), "\(deliveries.map(\.routingKey))")
            try await eventually(timeout: .seconds(20)) {
                try await harness.jobs.count([JobRecord.outboxField: true]) == 0
            }
            let settled = try await send(client, .get, "/metrics", headers: [:]).text
            #expect(settled.contains("tide_outbox_owed 0") && settled.contains("tide_outbox_flagged 0"), "\(settled)")
        }
    }

    @Test func republishingPublishesFlaggedJobsOnly() async throws {
        // A pass that waits longer than the default 2 s for the confirm: its first publish also
        // opens the connection, and under a loaded CI machine a confirm came late, the pass
        // counted nothing and left the flag for the next one (which is right, but not this test).
        let harness = try await Harness.make { $0.publishTimeout = .seconds(30) }
        // A job stored with its change owed, as a replica that died before publishing leaves it.
        let spec = try JobSpecParser.parse(harness.yaml(name: "orphan"), format: .yaml)
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        var record = JobRecord(job: StoredJob(submitting: spec, storedName: "orphan-20231114-221320", at: time))
        record.owe(.created, version: 1, at: time)
        try await harness.jobs.insert(record)
        var published = record.cleared
        published.job.metadata.name = "published-20231114-221320"
        try await harness.jobs.insert(published)

        #expect(try await harness.api.republishOutbox() == 1)
        let deliveries = await harness.messages.wait(for: 1)
        #expect(deliveries.map(\.properties.messageID) == ["orphan-20231114-221320/1/created"])
        #expect(try await harness.jobs.count([JobRecord.outboxField: true]) == 0)
        #expect(try await harness.api.republishOutbox() == 0)
        await harness.close()
    }

    @Test func twoReplicasOnOneDatabaseNeverShareAName() async throws {
        let database = TestServers.uniqueName("replicas")
        let first = try await Harness.make(database: database)
        let second = try await Harness.make(database: database)
        let yaml = first.yaml(name: "race")
        let names = try await first.api.application(port: 0).test(.router) { one in
            try await second.api.application(port: 0).test(.router) { two in
                try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<12 {
                        let client: any TestClientProtocol = index % 2 == 0 ? one : two
                        group.addTask {
                            let response = try await send(client, .post, "/v1/jobs", body: yaml)
                            #expect(response.status == .created, "\(response.text)")
                            return try response.decode(StoredJob.self).name
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
            }
        }
        #expect(Set(names).count == 12)
        #expect(try await first.jobs.count() == 12)
        await second.close(dropping: false)
        await first.close()
    }
}
