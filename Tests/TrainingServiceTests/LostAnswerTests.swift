import Foundation
import HummingbirdTesting
import Testing
import TideAPI
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// A write that lands while its answer is lost (the database connection breaks between the
/// two) is done once: the service recognises its own write instead of taking it for someone
/// else's, and does not do it again. The proxy loses two answers in a row: libmongoc sends a
/// write again once by itself (a retryable write, which the server recognises), so a single
/// lost answer never reaches the service.
@Suite struct LostAnswerTests {
    struct Events: Decodable { var items: [JobHistoryEvent] }

    @Test func aCreateWhoseInsertLandedWhileItsAnswerWasLostStoresOneJob() async throws {
        let proxy = try await CutProxy.start(to: try TestServers.mongoURI, cutting: "insert", on: StoreSchema.jobs, times: 2)
        let harness = try await Harness.make(mongoURI: proxy.uri)
        try await harness.test { client in
            let response = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "once"))
            #expect(proxy.cuts == 2)
            #expect(response.status == .created, "\(response.text)")
            let job = try response.decode(StoredJob.self)
            #expect(job.name.hasPrefix("once-"))
            try await harness.expectStoredOnce(job, client: client)
        }
        await proxy.stop()
    }

    @Test func aPatchWhoseWriteLandedWhileItsAnswerWasLostIsAppliedOnce() async throws {
        let proxy = try await CutProxy.start(to: try TestServers.mongoURI, cutting: "update", on: StoreSchema.jobs, containing: "updated", times: 2)
        let harness = try await Harness.make(mongoURI: proxy.uri)
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "patched")).decode(StoredJob.self)
            _ = await harness.messages.wait(for: 1)
            let response = try await send(
                client, .patch, "/v1/jobs/\(job.name)", body: #"{"spec": {"priority": 7}}"#, contentType: "application/json")
            #expect(proxy.cuts == 2)
            #expect(response.status == .ok, "\(response.text)")
            let patched = try response.decode(StoredJob.self)
            #expect(patched.spec.priority == 7)
            #expect(patched.version == 2)
            let stored = try #require(try await harness.jobs.findOne([JobRecord.fields.name: .string(job.name)]))
            #expect(stored.job.version == 2)
            let events = try await send(client, .get, "/v1/jobs/\(job.name)/events").decode(Events.self)
            #expect(events.items.map(\.type) == ["Created", "Updated"])
            let deliveries = await harness.messages.wait(for: 3, timeout: .seconds(2))
            #expect(deliveries.map(\.properties.messageID) == ["\(job.name)/1/created", "\(job.name)/2/updated"])
        }
        await proxy.stop()
    }

    @Test func aCancelWhoseWriteLandedWhileItsAnswerWasLostAnswersCanceledOnce() async throws {
        let proxy = try await CutProxy.start(
            to: try TestServers.mongoURI, cutting: "update", on: StoreSchema.jobs, containing: "deleted", times: 2)
        let harness = try await Harness.make(mongoURI: proxy.uri)
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "canceled")).decode(StoredJob.self)
            let response = try await send(client, .delete, "/v1/jobs/\(job.name)")
            #expect(proxy.cuts == 2)
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.decode(StoredJob.self).status.state == .canceled)
            let events = try await send(client, .get, "/v1/jobs/\(job.name)/events").decode(Events.self)
            #expect(events.items.map(\.type) == ["Created", "Canceled"])
            let deliveries = await harness.messages.wait(for: 3, timeout: .seconds(2))
            #expect(deliveries.map(\.properties.messageID) == ["\(job.name)/1/created", "\(job.name)/2/deleted"])
        }
        await proxy.stop()
    }
}
