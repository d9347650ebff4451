import Foundation
import HummingbirdTesting
import Testing
import TideAPI
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// DELETE (cancel) and PATCH of /v1/jobs/{name}.
@Suite struct ChangeTests {
    struct Events: Decodable { var items: [JobHistoryEvent] }

    @Test func deleteCancelsKeepsTheDocumentAndPublishes() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml()).decode(StoredJob.self)
            let response = try await send(client, .delete, "/v1/jobs/\(job.name)")
            #expect(response.status == .ok, "\(response.text)")
            let canceled = try response.decode(StoredJob.self)
            #expect(canceled.status.state == .canceled)
            #expect(canceled.version == 2)
            #expect(canceled.status.finishedAt != nil)

            let keys = await harness.messages.wait(for: 2).map(\.routingKey)
            #expect(keys == ["\(harness.accelerator).created", "\(harness.accelerator).deleted"])
            let stored = try #require(try await harness.jobs.findOne([JobRecord.fields.name: .string(job.name)]))
            #expect(stored.job.status.state == .canceled)

            // Again: nothing changes, nothing more is published.
            let again = try await send(client, .delete, "/v1/jobs/\(job.name)")
            #expect(again.status == .ok)
            #expect(try again.decode(StoredJob.self).version == 2)

            let events = try await send(client, .get, "/v1/jobs/\(job.name)/events").decode(Events.self)
            #expect(events.items.map(\.type) == ["Created", "Canceled"])
            #expect(await harness.messages.wait(for: 3, timeout: .milliseconds(500)).count == 2)

            #expect(try await send(client, .delete, "/v1/jobs/missing-20250101-000000").status == .notFound)
        }
    }

    @Test func twoReplicasCancelingOneJobAtOnceBothAnswerCanceled() async throws {
        let database = TestServers.uniqueName("cancels")
        let first = try await Harness.make(database: database)
        let second = try await Harness.make(database: database)
        try await first.api.application(port: 0).test(.router) { one in
            try await second.api.application(port: 0).test(.router) { two in
                for index in 0..<6 {
                    let job = try await send(one, .post, "/v1/jobs", body: first.yaml(name: "cancel\(index)")).decode(StoredJob.self)
                    async let fromOne = send(one, .delete, "/v1/jobs/\(job.name)")
                    async let fromTwo = send(two, .delete, "/v1/jobs/\(job.name)")
                    for response in try await [fromOne, fromTwo] {
                        #expect(response.status == .ok, "\(response.text)")
                        #expect(try response.decode(StoredJob.self).status.state == .canceled)
                    }
                    let events = try await send(one, .get, "/v1/jobs/\(job.name)/events").decode(Events.self)
                    #expect(events.items.map(\.type) == ["Created", "Canceled"])
                }
            }
        }
        await second.close(dropping: false)
        await first.close()
    }

    @Test func patchChangesPriorityAndMaxWorkers() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml()).decode(StoredJob.self)
            let response = try await send(
                client, .patch, "/v1/jobs/\(job.name)", body: #"{"spec": {"priority": 7, "workers": {"max": 2}}}"#,
                contentType: "application/merge-patch+json")
            #expect(response.status == .ok, "\(response.text)")
            let patched = try response.decode(StoredJob.self)
            #expect(patched.spec.priority == 7)
            #expect(patched.spec.workers.max == 2)
            #expect(patched.spec.requestedWorkers == 2)
            #expect(patched.version == 2)
            let keys = await harness.messages.wait(for: 2).map(\.routingKey)
            #expect(keys == ["\(harness.accelerator).created", "\(harness.accelerator).updated"])
            let events = try await send(client, .get, "/v1/jobs/\(job.name)/events").decode(Events.self)
            #expect(events.items.map(\.type) == ["Created", "Updated"])
            #expect(events.items.last?.message == "priority 0 → 7, max workers 4 → 2")
        }
    }

    @Test func patchOfAFinishedJobIs409AndChangesNothing() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml()).decode(StoredJob.self)
            _ = try await send(client, .delete, "/v1/jobs/\(job.name)")
            _ = await harness.messages.wait(for: 2)
            let response = try await send(
                client, .patch, "/v1/jobs/\(job.name)", body: #"{"spec": {"priority": 7}}"#, contentType: "application/json")
            #expect(response.status == .conflict)
            #expect(response.error?.error.contains("Canceled") == true, "\(response.text)")
            #expect(response.error?.field == "status.state")
            let stored = try #require(try await harness.jobs.findOne([JobRecord.fields.name: .string(job.name)]))
            #expect(stored.job.version == 2 && stored.job.spec.priority == 0)
            #expect(await harness.messages.wait(for: 3, timeout: .milliseconds(500)).count == 2)
        }
    }

    @Test func badPatchesAreRefusedWithTheirField() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml()).decode(StoredJob.self)
            for (body, status, field) in [
                (#"{"spec": {"workers": {"max": 0}}}"#, 422, "spec.workers.max"),
                (#"{"spec": {"workers": {"max": 100000}}}"#, 422, "spec.workers.max"),
                (#"{"spec": {"priority": "high"}}"#, 422, "spec.priority"),
                (#"{"spec": {"accelerator": "other"}}"#, 422, "spec.accelerator"),
                (#"{"metadata": {"name": "x"}}"#, 422, "metadata"),
                (#"{"spec": "#, 400, "(document)"),
            ] {
                let response = try await send(
                    client, .patch, "/v1/jobs/\(job.name)", body: body, contentType: "application/json")
                #expect(response.status.code == status, "\(body): \(response.text)")
                #expect(response.error?.field == field, "\(body): \(response.text)")
            }
            let stored = try #require(try await harness.jobs.findOne([JobRecord.fields.name: .string(job.name)]))
            #expect(stored.job.version == 1)
            #expect(await harness.messages.wait(for: 1).count == 1)
            let keys = await harness.messages.wait(for: 2, timeout: .milliseconds(500)).map(\.routingKey)
            #expect(keys == ["\(harness.accelerator).created"])
        }
    }

    /// Found by schemathesis: a merge patch's null (declared nullable in openapi.yaml) resets the
    /// priority to its default; the document's bounds are the server's.
    @Test func nullPriorityResetsItAndTheDocumentedBoundsHold() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let job = try await send(client, .post, "/v1/jobs", body: harness.yaml(spec: ["priority": "5"]))
                .decode(StoredJob.self)
            let reset = try await send(
                client, .patch, "/v1/jobs/\(job.name)", body: #"{"spec": {"priority": null}}"#,
                contentType: "application/merge-patch+json")
            #expect(reset.status == .ok, "\(reset.text)")
            #expect(try reset.decode(StoredJob.self).spec.priority == 0)
            for (body, status) in [
                (#"{"spec": {"priority": 1000, "workers": {"max": 1024}}}"#, 200),
                (#"{"spec": {"priority": 1001}}"#, 422), (#"{"spec": {"priority": -1001}}"#, 422),
            ] {
                let response = try await send(client, .patch, "/v1/jobs/\(job.name)", body: body, contentType: "application/json")
                #expect(response.status.code == status, "\(body): \(response.text)")
            }
        }
    }
}
