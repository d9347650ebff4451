import Foundation

/// The API server's `Status` object, the body of every error answer
/// (`{"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, ...}`).
public struct KubeStatus: Codable, Sendable, Equatable {
    public var kind: String?
    public var status: String?
    public var message: String?
    /// A machine-readable reason: `NotFound`, `AlreadyExists`, `Conflict`, `Expired`, `Forbidden`...
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public struct Details: Codable, Sendable, Equatable {
        public var name: String?
        public var kind: String?
        public var retryAfterSeconds: Int?
        public var causes: [Cause]?
    }

    public struct Cause: Codable, Sendable, Equatable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }

    public init(kind: String? = "Status", status: String? = "Failure", message: String?, reason: String?, code: Int?, details: Details? = nil) {
        self.kind = kind
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }

    /// The Status in `body`, if it is one.
    public static func decode(_ body: Data) -> KubeStatus? {
        guard let status = try? JSONDecoder().decode(KubeStatus.self, from: body), status.kind == "Status" else { return nil }
        return status
    }
}
