import Foundation
import HummingbirdTesting
import Testing
import TideAPI
import TideCore

/// GET /v1/jobs (filters, paging, watch) and GET /v1/jobs/{name}.
@Suite struct ReadTests {
    @Test func getServesTheStoredJobAndUnknownIs404() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let created = try await send(client, .post, "/v1/jobs", body: harness.yaml()).decode(StoredJob.self)
            let got = try await send(client, .get, "/v1/jobs/\(created.name)")
            #expect(got.status == .ok)
            #expect(try got.decode(StoredJob.self) == created)
            let missing = try await send(client, .get, "/v1/jobs/nope-20250101-000000")
            #expect(missing.status == .notFound)
            #expect(missing.error?.error.contains("no job named") == true)
        }
    }

    @Test func listFiltersAndPages() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            var names: [String] = []
            for index in 0..<5 {
                let job = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "job\(index)"))
                    .decode(StoredJob.self)
                names.append(job.name)
            }
            _ = try await send(client, .delete, "/v1/jobs/\(names[0])")

            var seen: [String] = []
            var token: String?
            repeat {
                let uri = "/v1/jobs?limit=2&accelerator=\(harness.accelerator)" + (token.map { "&continue=\($0)" } ?? "")
                let page = try await send(client, .get, uri).decode(JobPage.self)
                #expect(page.items.count <= 2)
                seen += page.items.map(\.name)
                token = page.continue
            } while token != nil
            #expect(seen == names.sorted())

            let canceled = try await send(client, .get, "/v1/jobs?status=Canceled").decode(JobPage.self)
            #expect(canceled.items.map(\.name) == [names[0]])
            let active = try await send(client, .get, "/v1/jobs?status=Submitted,Running").decode(JobPage.self)
            #expect(active.items.count == 4)
            let other = try await send(client, .get, "/v1/jobs?accelerator=other-gpu").decode(JobPage.self)
            #expect(other.items.isEmpty)
        }
    }

    @Test func badListParametersAre400NamingThem() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            for (query, field) in [
                ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=100000", "limit"), ("status=Sleeping", "status"),
                ("continue=garbage", "continue"), ("watch=maybe", "watch"), ("colour=red", "colour"),
            ] {
                let response = try await send(client, .get, "/v1/jobs?\(query)")
                #expect(response.status == .badRequest, "\(query): \(response.text)")
                #expect(response.error?.field == field, "\(query): \(response.text)")
            }
        }
    }

    @Test func watchStreamsExistingJobsThenChanges() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let first = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "before"))
                .decode(StoredJob.self)
            async let stream = send(client, .get, "/v1/jobs?watch=true&timeoutSeconds=3")
            try await Task.sleep(for: .milliseconds(800))
            let second = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "after"))
                .decode(StoredJob.self)
            _ = try await send(client, .delete, "/v1/jobs/\(first.name)")
            let response = try await stream
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            struct Line: Decodable {
                var type: String
                var job: StoredJob?
            }
            let lines = try response.text.split(separator: "\n").map {
                try JSONDecoder.tide.decode(Line.self, from: Data($0.utf8))
            }
            let summary = lines.map { "\($0.type) \($0.job?.metadata.submittedName ?? "?")" }
            #expect(summary == ["Existing before", "Synced ?", "Created after", "Canceled before"], "\(summary)")
            #expect(lines.last?.job?.status.state == .canceled)
            _ = second
        }
    }
}
