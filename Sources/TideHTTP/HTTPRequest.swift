import Foundation

/// One HTTP header line.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request as `CurlHTTPClient` sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The full URL, query included.
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Data?
    /// The longest the whole exchange may take; nil for none (a watch).
    public var timeout: Duration?
    /// The longest connecting may take.
    public var connectTimeout: Duration
    /// For https: the CA and client certificate; nil for the system's defaults.
    public var tls: TLSSettings?

    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: Data? = nil,
        timeout: Duration? = .seconds(30), connectTimeout: Duration = .seconds(10), tls: TLSSettings? = nil
    ) {
        self.tls = tls
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// A response's status line and headers.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]

    public init(status: Int, headers: [HTTPHeader]) {
        self.status = status
        self.headers = headers
    }

    /// The first header of that name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A whole response.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: Data

    public init(head: HTTPResponseHead, body: Data) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
}
