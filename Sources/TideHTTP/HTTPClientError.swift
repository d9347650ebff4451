/// A request that got no HTTP answer.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No connection: refused, no route, unknown host.
        case unreachable
        /// The timeout passed before the answer was complete.
        case timedOut
        /// The URL is not one libcurl can use.
        case badURL
        /// The connection broke or the answer was not HTTP.
        case transfer
        /// The TLS handshake failed: a certificate not trusted, or a key or CA file unusable.
        /// Sending again fails the same way.
        case tls
    }

    public var kind: Kind
    /// The URL tried.
    public var url: String
    /// libcurl's explanation.
    public var reason: String

    public init(kind: Kind, url: String, reason: String) {
        self.kind = kind
        self.url = url
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .unreachable: "cannot reach \(url): \(reason)"
        case .timedOut: "no answer from \(url) in time: \(reason)"
        case .badURL: "not a usable URL: \(url): \(reason)"
        case .transfer: "the exchange with \(url) failed: \(reason)"
        case .tls: "no TLS session with \(url): \(reason)"
        }
    }
}
