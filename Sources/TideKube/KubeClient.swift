import Foundation
import TideHTTP

/// The Kubernetes REST API over libcurl (`TideHTTP`): requests authenticated
/// as the connection says, errors decoded from Status bodies, lists read page
/// by page, watches as streams of events. Requests that meet 429 or 503 are
/// sent again after `Retry-After` (at most `maxRetries` times).
///
/// A class, so that the many tasks holding it share one small reference
/// (large captured values trip swiftlang/swift#87481 in task groups).
public final class KubeClient: Sendable {
    public let connection: KubeConnection
    let http: CurlHTTPClient
    let maxRetries: Int
    /// The exec plugin's credential, shared by every copy of this client.
    let execCredentials: ExecCredentials?

    public init(connection: KubeConnection, maxRetries: Int = 5) {
        self.connection = connection
        http = CurlHTTPClient(reusingConnections: true)
        self.maxRetries = maxRetries
        if case .exec(let plugin) = connection.credentials {
            execCredentials = ExecCredentials(plugin: plugin)
        } else {
            execCredentials = nil
        }
    }

    /// The answer's body for a 2xx; throws `KubeAPIError` otherwise.
    public func send(_ method: String, _ path: String, query: [String: String] = [:], body: Data? = nil,
                     contentType: String = "application/json") async throws -> Data {
        var request = try await request(method, path, query: query, body: body, contentType: contentType, timeout: .seconds(60))
        var attempt = 0
        var reauthenticated = false
        while true {
            let response: HTTPResponse
            do {
                response = try await http.send(request)
            } catch let error as HTTPClientError {
                throw KubeAPIError(code: 0, reason: nil, message: error.reason, request: "\(method) \(path)")
            }
            let status = response.head.status
            if (200..<300).contains(status) { return response.body }
            let error = KubeAPIError(code: status, body: response.body, request: "\(method) \(path)")
            if status == 401, let execCredentials, !reauthenticated {
                // The plugin's token may have been revoked before its expiry: ask the plugin again, once.
                execCredentials.invalidate()
                reauthenticated = true
                request = try await self.request(method, path, query: query, body: body, contentType: contentType, timeout: .seconds(60))
                continue
            }
            guard error.isRetryable, attempt < maxRetries else { throw error }
            attempt += 1
            try await Task.sleep(for: Self.retryDelay(response.head.header("Retry-After"), attempt: attempt))
        }
    }

    /// `Retry-After` seconds when given (capped), else a short backoff.
    static func retryDelay(_ header: String?, attempt: Int) -> Duration {
        if let header, let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return .seconds(min(seconds, 30))
        }
        return .milliseconds(200 * (1 << min(attempt, 6)))
    }

    func request(_ method: String, _ path: String, query: [String: String], body: Data?, contentType: String,
                 timeout: Duration?) async throws -> HTTPRequest {
        var components = URLComponents(string: connection.server + path)
        if !query.isEmpty {
            components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            // URLComponents leaves `+` alone, which a server reads as a space.
            let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            components?.percentEncodedQuery = encoded
        }
        guard let url = components?.string else {
            throw KubeAPIError(code: 0, reason: nil, message: "cannot make a URL of \(connection.server)\(path)", request: "\(method) \(path)")
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        if body != nil { headers.append(HTTPHeader("Content-Type", contentType)) }
        var tls = TLSSettings(certificateAuthority: connection.certificateAuthority, insecureSkipVerify: connection.insecureSkipTLSVerify)
        switch connection.credentials {
        case .token(let token):
            headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        case .tokenFile(let path):
            // Read afresh each time: service-account tokens rotate.
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeAPIError(code: 0, reason: nil, message: "cannot read the token file \(path)", request: "authentication")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        case .exec:
            let credential = try await execCredentials?.credential()
            if let token = credential?.token { headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
            if let certificate = credential?.clientCertificate, let key = credential?.clientKey {
                tls.clientCertificate = .data(certificate)
                tls.clientKey = .data(key)
            }
        case .clientCertificate(let certificate, let key):
            tls.clientCertificate = certificate
            tls.clientKey = key
        case .none:
            break
        }
        return HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout, tls: tls)
    }
}
