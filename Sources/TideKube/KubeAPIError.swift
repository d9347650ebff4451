import Foundation

/// A request the API server refused or could not answer, in words an operator can act on.
public struct KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (0 when no answer came).
    public var code: Int
    /// The Status reason (`NotFound`, `Conflict`, `Expired`, `Forbidden`...), when there was one.
    public var reason: String?
    public var message: String
    /// `GET /api/v1/nodes`, for the message.
    public var request: String

    public init(code: Int, reason: String?, message: String, request: String) {
        self.code = code
        self.reason = reason
        self.message = message
        self.request = request
    }

    /// From an answer with a non-2xx status: the Status body's reason and
    /// message when there is one, else the start of the body.
    public init(code: Int, body: Data, request: String) {
        let status = KubeStatus.decode(body)
        self.code = status?.code ?? code
        reason = status?.reason
        if let message = status?.message, !message.isEmpty {
            self.message = message
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.message = text.isEmpty ? "no details" : text
        }
        self.request = request
    }

    public var isNotFound: Bool { code == 404 }
    /// A second create of the same name, or a binding of a pod already bound.
    public var isConflict: Bool { code == 409 }
    /// A watch or list from a resourceVersion the server no longer has: list again.
    public var isGone: Bool { code == 410 || reason == "Expired" || reason == "Gone" }
    /// Worth the same request again after a pause (`Retry-After`).
    public var isRetryable: Bool { code == 429 || code == 503 || code == 504 }

    public var description: String {
        var text = "\(request): \(code == 0 ? "no answer" : "\(code)")"
        if let reason { text += " \(reason)" }
        text += ": \(message)"
        if code == 403 { text += " (the service account's RBAC role does not allow this; see helm/tide's Role)" }
        return text
    }
}
