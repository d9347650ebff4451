import Foundation
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing
import TideAPI
import TideCore
import TideHTTP
import TidePorts

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
        try await harness.live { client, port in
            let first = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "before"))
                .decode(StoredJob.self)
            let request = HTTPRequest(
                url: "http://127.0.0.1:\(port)/v1/jobs?watch=true&timeoutSeconds=60",
                headers: [HTTPHeader("Authorization", "Bearer \(testToken)")], timeout: .seconds(90))
            let (head, chunks) = try await CurlHTTPClient().stream(request)
            #expect(head.status == 200)
            #expect(head.headers.first { $0.name.lowercased() == "content-type" }?.value == "application/x-ndjson")
            struct Line: Decodable {
                var type: String
                var job: StoredJob?
            }
            var lines: [Line] = []
            var splitter = LineSplitter()
            var iterator = chunks.makeAsyncIterator()
            /// Reads until `count` lines have come (or the stream ends).
            func read(until count: Int) async throws {
                while lines.count < count, let chunk = try await iterator.next() {
                    lines += try splitter.lines(adding: chunk).map { try JSONDecoder.tide.decode(Line.self, from: $0) }
                }
            }
            try await read(until: 2)
            // Only once the stream has listed what exists do the changes come.
            _ = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "after"))
            _ = try await send(client, .delete, "/v1/jobs/\(first.name)")
            try await read(until: 4)
            let summary = lines.map { "\($0.type) \($0.job?.metadata.submittedName ?? "?")" }
            #expect(summary == ["Existing before", "Synced ?", "Created after", "Canceled before"], "\(summary)")
            #expect(lines.last?.job?.status.state == .canceled)
        }
    }

    /// The HTTP server drains open requests before the other services stop, so a watch that
    /// ignored the server's shutdown would hold the process up until its timeout.
    @Test func aGracefulShutdownEndsOpenWatchesAtOnce() async throws {
        let harness = try await Harness.make()
        let port = unusedPort()
        let group = ServiceGroup(configuration: .init(
            services: [harness.api.application(host: "127.0.0.1", port: port)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let request = HTTPRequest(
            url: "http://127.0.0.1:\(port)/v1/jobs?watch=true&timeoutSeconds=600",
            headers: [HTTPHeader("Authorization", "Bearer \(testToken)")], timeout: .seconds(900))
        var opened: (HTTPResponseHead, AsyncThrowingStream<Data, any Error>)?
        for _ in 0..<200 where opened == nil {
            opened = try? await CurlHTTPClient().stream(request)
            if opened == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let (head, chunks) = try #require(opened, "the API did not start listening")
        #expect(head.status == 200)
        var iterator = chunks.makeAsyncIterator()
        _ = try await iterator.next()  // the stream is open: "Synced" at least
        let shutdownBegan = ContinuousClock.now
        await group.triggerGracefulShutdown()
        while try await iterator.next() != nil {}
        try await running.value
        let took = ContinuousClock.now - shutdownBegan
        await harness.close()
        // The watch's own end is 600 s away: only the shutdown can have ended it this soon.
        #expect(took < .seconds(60), "the shutdown waited \(took) for the open watch")
    }

}
