import Foundation
import Hummingbird
import TideCore

/// The query of `GET /v1/jobs`, checked: filters, paging, watch.
struct ListQuery: Sendable, Equatable {
    var accelerator: String?
    var statuses: [JobState] = []
    var limit: Int = 100
    var continueToken: String?
    var watch = false
    /// A watch ends after this long (tests and clients that reconnect); nil streams until the client leaves.
    var timeoutSeconds: Int?

    /// Reads and checks the query; a bad parameter is a 400 naming it.
    init(_ parameters: [String: String], maxLimit: Int) throws {
        let known: Set = ["accelerator", "status", "limit", "continue", "watch", "timeoutSeconds"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError(
                .badRequest, "unknown query parameter \(unknown); use \(known.sorted().joined(separator: ", "))",
                field: unknown)
        }
        if let accelerator = parameters["accelerator"], !accelerator.isEmpty { self.accelerator = accelerator }
        // Every item must name a state, an empty one too (`status=`, `Running,`): the document lists states only.
        if let status = parameters["status"] {
            statuses = try status.split(separator: ",", omittingEmptySubsequences: false).map { word in
                let text = word.trimmingCharacters(in: .whitespaces)
                guard let state = JobState.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() })
                else {
                    throw APIError(
                        .badRequest,
                        "unknown status \(text); use \(JobState.allCases.map(\.rawValue).joined(separator: ", "))",
                        field: "status")
                }
                return state
            }
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...maxLimit).contains(limit) else {
                throw APIError(.badRequest, "limit must be a whole number from 1 to \(maxLimit), not \(text)",
                               field: "limit")
            }
            self.limit = limit
        }
        if let token = parameters["continue"], !token.isEmpty { continueToken = token }
        if let text = parameters["watch"] {
            guard let watch = Bool(text.lowercased()) else {
                throw APIError(.badRequest, "watch must be true or false, not \(text)", field: "watch")
            }
            self.watch = watch
        }
        if let text = parameters["timeoutSeconds"] {
            guard let seconds = Int(text), seconds >= 1 else {
                throw APIError(.badRequest, "timeoutSeconds must be a whole number of seconds, at least 1",
                               field: "timeoutSeconds")
            }
            timeoutSeconds = seconds
        }
    }
}
