import Foundation
import Hummingbird
import TideCore

/// An error the API answers with: a status and `{"error": "...", "field": "..."}`,
/// plus every field error for a refused job (`errors`).
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    /// One field's problem, as served.
    public struct Item: Codable, Sendable, Equatable {
        public var field: String
        public var message: String
    }

    public var status: HTTPResponse.Status
    /// What went wrong and what to do about it, for people.
    public var message: String
    /// The field at fault (the first one, when there are several).
    public var field: String?
    /// Every field error, for a refused job document.
    public var errors: [Item]

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, errors: [Item] = []) {
        self.status = status
        self.message = message
        self.field = field
        self.errors = errors
    }

    /// 422 for a job document that breaks the spec's rules: every error, the first one up front.
    public init(invalidJob errors: JobSpecErrors) {
        let items = errors.errors.map { Item(field: $0.path, message: $0.message) }
        let first = errors.errors.first
        let summary = first.map { "\($0.path): \($0.message)" } ?? "the job is invalid"
        let more = items.count > 1 ? " (and \(items.count - 1) more error\(items.count == 2 ? "" : "s"))" : ""
        self.init(.unprocessableContent, summary + more, field: first?.path, errors: items)
    }

    static func notFound(job name: String) -> APIError {
        APIError(.notFound, "no job named \"\(name)\"; list jobs with GET /v1/jobs", field: "name")
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "the request body is larger than the limit of \(limit) bytes")
    }

    /// The JSON body.
    public var body: Body { Body(error: message, field: field, errors: errors.isEmpty ? nil : errors) }

    public struct Body: Codable, Sendable, Equatable {
        public var error: String
        public var field: String?
        public var errors: [Item]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(body)
        data.append(UInt8(ascii: "\n"))
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
