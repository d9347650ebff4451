import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import TideCore
import TideJobs
import TideStore

/// The `/v1` job and node routes: each reads the request, calls `JobService`, and writes JSON.
struct JobRoutes: Sendable {
    let api: TrainingAPI
    private var service: JobService { api.service }

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.post("jobs") { request, _ in
            let body = try await Self.body(of: request, limit: api.configuration.bodyLimit)
            guard let key = request.headers[Self.idempotencyKey] else {
                return try Self.json(try await service.create(body: body, contentType: request.headers[.contentType]), status: .created)
            }
            // Sent again with its key, a create answers with the job as stored now, and says it is a replay.
            let result = try await service.create(body: body, contentType: request.headers[.contentType], key: key)
            var response = try Self.json(result.job, status: .created)
            if result.replayed { response.headers[Self.idempotentReplayed] = "true" }
            return response
        }
        group.get("jobs") { request, _ in
            let query = try ListQuery(Self.parameters(request), maxLimit: api.configuration.maxPageSize)
            if query.watch { return watch(query) }
            let page = try await service.list(query)
            return try Self.json(JobList(items: page.items, continue: page.continueToken.map(Self.urlSafe)))
        }
        group.get("jobs/{name}") { _, context in
            try Self.json(try await service.get(try Self.name(context)))
        }
        group.patch("jobs/{name}") { request, context in
            let body = try await Self.body(of: request, limit: api.configuration.bodyLimit)
            return try Self.json(try await service.patch(try Self.name(context), body: body))
        }
        group.delete("jobs/{name}") { _, context in
            try Self.json(try await service.cancel(try Self.name(context)))
        }
        group.get("jobs/{name}/events") { request, context in
            let limitText = Self.parameters(request)["limit"] ?? "1000"
            guard let limit = Int(limitText), (1...10_000).contains(limit) else {
                throw APIError(.badRequest, "limit must be a whole number from 1 to 10000, not \(limitText)",
                               field: "limit")
            }
            let events = try await service.events(of: try Self.name(context), limit: limit)
            return try Self.json(EventList(items: events.map(\.event)))
        }
    }

    private func watch(_ query: ListQuery) -> Response {
        let watch = JobWatch(
            service: service, query: query, interval: api.configuration.watchInterval,
            // The HTTP server is shut down first and waits for open requests, so a watch must
            // see the server's own graceful shutdown (its connection tasks inherit it), not
            // only the flag, which the service group sets after the server has drained.
            shutdown: { [flag = api.shutdown] in flag.isSet || Task.isShuttingDownGracefully })
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody { writer in
                try await watch.stream(to: &writer)
                try await writer.finish(nil)
            })
    }

    struct JobList: Encodable {
        var items: [StoredJob]
        var `continue`: String?
    }

    struct EventList: Encodable {
        var items: [JobHistoryEvent]
    }

    // MARK: helpers

    static func body(of request: Request, limit: Int) async throws -> Data {
        do {
            return Data(try await request.body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    static func name(_ context: BasicRequestContext) throws -> String {
        try context.parameters.require("name")
    }

    static func parameters(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { result[String(key)] = String(value) }
        return result
    }

    /// A continue token that needs no escaping in a query string (the store reads both alphabets).
    static func urlSafe(_ token: String) -> String {
        token.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The header a client names a create with, so that sending it again stores one job.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// Set on the answer to a create whose key an earlier request stored the job under.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var data = try JobJSON.encode(value)
        data.append(UInt8(ascii: "\n"))
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
