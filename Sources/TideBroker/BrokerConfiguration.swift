import Foundation

/// Where and how to reach RabbitMQ, usually parsed from `amqp://user:pass@host:port/vhost`.
public struct BrokerConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var virtualHost: String
    /// Heartbeat interval the client asks for, in seconds (0 turns heartbeats off).
    public var heartbeatSeconds: Int = 30
    /// Bound on the TCP connect and on the AMQP handshake.
    public var connectTimeout: Duration = .seconds(5)
    /// Bound on each synchronous AMQP method (declare, consume, ...).
    public var operationTimeout: Duration = .seconds(10)
    /// How often and how fast to (re)connect.
    public var retry: RetryPolicy = RetryPolicy()

    public init(host: String, port: Int = 5672, user: String = "guest", password: String = "guest",
                virtualHost: String = "/") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
    }

    /// Parses `amqp://user:pass@host:port/vhost`.
    ///
    /// User, password and vhost are percent-decoded; the port defaults to 5672,
    /// user and password to guest; an empty path means vhost "/", and "/%2F" too.
    public init(uri: String) throws {
        func fail(_ reason: String) -> BrokerError { .invalidURI(uri: Self.redacted(uri), reason: reason) }
        guard let schemeEnd = uri.range(of: "://") else { throw fail("missing \"amqp://\"") }
        let scheme = uri[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" else {
            throw fail(scheme == "amqps" ? "amqps (TLS) is not supported" : "scheme must be amqp, not \"\(scheme)\"")
        }
        var rest = Substring(uri[schemeEnd.upperBound...])
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard !path.contains("?"), !path.contains("#") else { throw fail("query parameters are not supported") }
        var user = "guest", password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let decodedUser = parts[0].removingPercentEncoding, !decodedUser.isEmpty else {
                throw fail("user name is empty or badly percent-encoded")
            }
            user = decodedUser
            if parts.count == 2 {
                guard let decoded = parts[1].removingPercentEncoding else { throw fail("password is badly percent-encoded") }
                password = decoded
            }
        }
        var host = rest, portText: Substring?
        if rest.hasPrefix("[") {  // IPv6 literal
            guard let close = rest.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw fail("junk after IPv6 address") }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw fail("host is empty") }
        var port = 5672
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw fail("port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = value
        }
        guard let vhost = path.removingPercentEncoding else { throw fail("virtual host is badly percent-encoded") }
        self.init(host: String(host), port: port, user: user, password: password, virtualHost: vhost.isEmpty ? "/" : vhost)
    }

    /// The URI with its password hidden, for logs and errors.
    public var redactedURI: String {
        "amqp://\(user):***@\(host):\(port)/\(virtualHost == "/" ? "" : virtualHost)"
    }

    static func redacted(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://"), let at = uri.lastIndex(of: "@"), at > schemeEnd.upperBound,
            let colon = uri[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return uri }
        return String(uri[..<uri.index(after: colon)]) + "***" + String(uri[at...])
    }
}

/// Backoff between connection attempts.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts for the first connection before giving up (reconnects after a drop never give up).
    public var initialAttempts: Int
    public var firstDelay: Duration
    public var maxDelay: Duration
    /// Refused logins in a row, while reconnecting, before the connection fails for good.
    public var refusedLoginsBeforeGivingUp: Int

    public init(initialAttempts: Int = 5, firstDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(3),
                refusedLoginsBeforeGivingUp: Int = 3) {
        self.initialAttempts = max(1, initialAttempts)
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.refusedLoginsBeforeGivingUp = max(1, refusedLoginsBeforeGivingUp)
    }

    /// Delay before attempt `attempt` (1 = the first retry): doubling, capped, with ±20% jitter.
    func delay(beforeRetry attempt: Int) -> Duration {
        let doubled = firstDelay * Int(1 << min(attempt - 1, 16))
        let capped = min(doubled, maxDelay)
        return capped * Double.random(in: 0.8...1.2)
    }
}
