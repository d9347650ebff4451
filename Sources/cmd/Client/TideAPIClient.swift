import Foundation
import TideCore
import TideHTTP

/// The training service's `/v1` API, for `cmd`: each call returns the decoded answer or
/// throws a `CommandFailure` carrying the server's message, or naming the address tried.
struct TideAPIClient: Sendable {
    let settings: ClientSettings
    private let http = CurlHTTPClient()

    init(settings: ClientSettings) {
        self.settings = settings
    }

    /// Pauses before each resend of a create that got no answer or a 502-504.
    static let createRetryPauses: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)]

    /// `POST /v1/jobs`: the stored job.
    ///
    /// The create carries an `Idempotency-Key` of its own, so it is sent again, with the
    /// same key, when the answer is 502-504 or lost on the way: the server stores one job
    /// however many of the sends reach it.
    func create(document: Data, contentType: String) async throws -> JSONValue {
        let key = UUID().uuidString.lowercased()
        var pauses = Self.createRetryPauses[...]
        while true {
            do {
                return try await call(
                    "POST", "/jobs", body: document, contentType: contentType, extraHeaders: [HTTPHeader("Idempotency-Key", key)],
                    retryable: !pauses.isEmpty)
            } catch is RetryableAnswer {
                try await Task.sleep(for: pauses.removeFirst())
            } catch let failure as CommandFailure where pauses.count < Self.createRetryPauses.count {
                // A new `cmd create` sends a new key: an earlier send may have stored the job.
                throw CommandFailure(
                    failure.description + "\n  the job may have been stored by an earlier send: check `cmd get jobs` before creating it again",
                    serverUnreachable: failure.serverUnreachable)
            }
        }
    }

    /// A 502-504 or a lost answer to a request that may be sent again.
    private struct RetryableAnswer: Error {}

    /// Every job (all pages of `GET /v1/jobs`), in name order.
    func listJobs(accelerator: String?, statuses: [String]) async throws -> [JSONValue] {
        var jobs: [JSONValue] = []
        var token: String?
        repeat {
            var query = filters(accelerator: accelerator, statuses: statuses)
            query.append(("limit", "500"))
            if let token { query.append(("continue", token)) }
            let page = try await call("GET", "/jobs", query: query)
            jobs += page["items"]?.arrayValue ?? []
            token = page["continue"]?.stringValue
        } while token != nil
        return jobs
    }

    func job(_ name: String) async throws -> JSONValue {
        try await call("GET", "/jobs/" + Self.pathComponent(name))
    }

    /// `PATCH /v1/jobs/NAME` with a JSON merge patch: the changed job.
    func patch(_ name: String, patch: JSONValue) async throws -> JSONValue {
        try await call(
            "PATCH", "/jobs/" + Self.pathComponent(name), body: try JSONCoding.encode(patch),
            contentType: "application/merge-patch+json")
    }

    /// `DELETE /v1/jobs/NAME`: the canceled job.
    func cancel(_ name: String) async throws -> JSONValue {
        try await call("DELETE", "/jobs/" + Self.pathComponent(name))
    }

    func events(of name: String) async throws -> [JSONValue] {
        try await call("GET", "/jobs/\(Self.pathComponent(name))/events")["items"]?.arrayValue ?? []
    }

    /// `GET /v1/nodes`: every node, with the GPUs its running jobs use.
    func listNodes() async throws -> [JSONValue] {
        try await call("GET", "/nodes")["items"]?.arrayValue ?? []
    }

    /// `PUT /v1/nodes/NAME`: the node as stored.
    func putNode(_ name: String, accelerator: String, gpus: Int, schedulable: Bool) async throws -> JSONValue {
        let body = JSONValue.object([
            "accelerator": .string(accelerator), "gpus": .int(Int64(gpus)), "schedulable": .bool(schedulable),
        ])
        return try await call(
            "PUT", "/nodes/" + Self.pathComponent(name), body: try JSONCoding.encode(body), contentType: "application/json")
    }

    /// `GET /v1/jobs/NAME/logs`: the worker's output as it comes (to the end of the log, or
    /// with `follow` until the job finishes).
    func logs(of name: String, worker: Int, follow: Bool) async throws -> AsyncThrowingStream<Data, any Error> {
        var query = [("worker", String(worker))]
        if follow { query.append(("follow", "true")) }
        let request = HTTPRequest(
            url: url("/jobs/\(Self.pathComponent(name))/logs", query: query), headers: headers(), timeout: nil)
        let (head, chunks) = try await send { try await http.stream(request) }
        if !(200..<300).contains(head.status) {
            var body = Data()
            for try await chunk in chunks { body.append(chunk) }
            throw failure(status: head.status, body: body)
        }
        return chunks
    }

    /// `GET /v1/jobs?watch=true`: each line of the stream as it comes.
    func watchJobs(accelerator: String?, statuses: [String], timeoutSeconds: Int?) async throws
        -> AsyncThrowingStream<JSONValue, any Error>
    {
        var query = filters(accelerator: accelerator, statuses: statuses)
        query.append(("watch", "true"))
        if let timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
        let request = HTTPRequest(url: url("/jobs", query: query), headers: headers(), timeout: nil)
        let (head, chunks) = try await send { try await http.stream(request) }
        if !(200..<300).contains(head.status) {
            var body = Data()
            for try await chunk in chunks { body.append(chunk) }
            throw failure(status: head.status, body: body)
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var splitter = LineSplitter()
                do {
                    for try await chunk in chunks {
                        for line in splitter.lines(adding: chunk) where !line.isEmpty {
                            continuation.yield(try JSONCoding.decode(line))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: plumbing

    private func call(
        _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        contentType: String? = nil, extraHeaders: [HTTPHeader] = [], retryable: Bool = false
    ) async throws -> JSONValue {
        var headers = headers() + extraHeaders
        if let contentType { headers.append(HTTPHeader("Content-Type", contentType)) }
        let request = HTTPRequest(method: method, url: url(path, query: query), headers: headers, body: body)
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPClientError {
            // Sent, perhaps carried out, and no answer: only a request safe to repeat is sent again.
            if retryable && (error.kind == .timedOut || error.kind == .transfer) { throw RetryableAnswer() }
            throw failure(error)
        }
        if retryable && (502...504).contains(response.status) { throw RetryableAnswer() }
        guard (200..<300).contains(response.status) else {
            throw failure(status: response.status, body: response.body)
        }
        do {
            return try JSONCoding.decode(response.body)
        } catch {
            throw CommandFailure("the server at \(settings.server) answered \(method) \(path) with something that is not JSON")
        }
    }

    /// Runs `exchange`, turning "no answer" into one line naming the address tried.
    private func send<T>(_ exchange: () async throws -> T) async throws -> T {
        do {
            return try await exchange()
        } catch let error as HTTPClientError {
            throw failure(error)
        }
    }

    private func failure(_ error: HTTPClientError) -> CommandFailure {
        switch error.kind {
        case .unreachable:
            CommandFailure("cannot reach the Tide server at \(settings.server): \(error.reason)", serverUnreachable: true)
        case .timedOut: CommandFailure("the Tide server at \(settings.server) did not answer in time: \(error.reason)")
        case .badURL, .transfer: CommandFailure("talking to the Tide server at \(settings.server) failed: \(error.reason)")
        case .tls: CommandFailure("no TLS session with the Tide server at \(settings.server): \(error.reason)")
        }
    }

    private func failure(status: Int, body: Data) -> CommandFailure {
        let answer = try? JSONCoding.decode(body)
        var lines: [String] = []
        if let message = answer?["error"]?.stringValue {
            lines.append(message)
        } else {
            lines.append("the server answered \(status) \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        let errors = answer?["errors"]?.arrayValue ?? []
        if errors.count > 1 {
            for item in errors {
                lines.append("  \(item["field"]?.stringValue ?? "?"): \(item["message"]?.stringValue ?? "")")
            }
        }
        if status == 401 {
            lines.append(settings.token == nil
                ? "  no token given: pass --token, set TIDE_TOKEN, or put token: in \(settings.configPath)"
                : "  the token from \(settings.tokenSource ?? "the settings") was refused")
        }
        return CommandFailure(lines.joined(separator: "\n"))
    }

    private func headers() -> [HTTPHeader] {
        var headers = [HTTPHeader("Accept", "application/json")]
        if let token = settings.token { headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        return headers
    }

    private func filters(accelerator: String?, statuses: [String]) -> [(String, String)] {
        var query: [(String, String)] = []
        if let accelerator { query.append(("accelerator", accelerator)) }
        if !statuses.isEmpty { query.append(("status", statuses.joined(separator: ","))) }
        return query
    }

    private func url(_ path: String, query: [(String, String)]) -> String {
        var url = settings.server + "/v1" + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.queryComponent($0.0))=\(Self.queryComponent($0.1))" }.joined(separator: "&")
        }
        return url
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#")))
            ?? text
    }

    static func queryComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }
}
