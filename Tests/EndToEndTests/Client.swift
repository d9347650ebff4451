import Foundation
import TideHTTP

/// The stack's REST API as a user's client sees it.
struct Client: Sendable {
    let api: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func send(_ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, json: [String: Any]) {
        let request = HTTPRequest(
            method: method, url: api + path,
            headers: [HTTPHeader("Authorization", "Bearer \(Stack.token)"), HTTPHeader("Content-Type", "application/yaml")],
            body: body.map { Data($0.utf8) })
        let response = try await CurlHTTPClient().send(request)
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    /// Creates a job; returns its stored name.
    func create(_ yaml: String) async throws -> String {
        let (status, json) = try await send("POST", "/v1/jobs", body: yaml)
        guard status == 201, let metadata = json["metadata"] as? [String: Any], let name = metadata["name"] as? String else {
            throw Failure(description: "create answered \(status): \(json)")
        }
        return name
    }

    /// The job's status fields.
    func status(_ name: String) async throws -> [String: Any] {
        let (status, json) = try await send("GET", "/v1/jobs/\(name)")
        guard status == 200, let fields = json["status"] as? [String: Any] else {
            throw Failure(description: "get \(name) answered \(status): \(json)")
        }
        return fields
    }

    func state(_ name: String) async throws -> String { try await status(name)["state"] as? String ?? "?" }

    /// Event types of the job's history, oldest first.
    func events(_ name: String) async throws -> [String] {
        let (_, json) = try await send("GET", "/v1/jobs/\(name)/events")
        return (json["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
    }

    /// The job's history once it holds `type` (the history entry is written just after the status), up to 5 s.
    func events(_ name: String, including type: String) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(5)
        var events = try await self.events(name)
        while !events.contains(type) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            events = try await self.events(name)
        }
        return events
    }

    /// Waits until `check` holds for the job's state, up to `timeout`.
    func waitFor(
        _ name: String, timeout: Duration = .seconds(60), _ check: @escaping (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await state(name)
            if check(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "\(name) still \(last) after \(timeout); events: \(try await events(name))")
    }
}

/// A `tide/v1` TrainingJob.
func jobYAML(
    _ name: String, accelerator: String, command: [String], min: Int = 1, max: Int = 1, priority: Int = 0,
    maxRetries: Int = 0
) -> String {
    let words = command.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ", ")
    return """
        apiVersion: tide/v1
        kind: TrainingJob
        metadata: {name: \(name)}
        spec:
          accelerator: \(accelerator)
          workers: {min: \(min), max: \(max)}
          priority: \(priority)
          maxRetries: \(maxRetries)
          epochs: 3
          template:
            command: [\(words)]
        """
}
