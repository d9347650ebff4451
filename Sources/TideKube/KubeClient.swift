import Foundation
import TideHTTP

/// The Kubernetes REST API over libcurl (`TideHTTP`): requests authenticated
/// as the connection says, errors decoded from Status bodies, lists read page
/// by page, watches as streams of events. Requests that meet 429 or 503 are
/// sent again after `Retry-After` (at most `maxRetries` times).
public struct KubeClient: Sendable {
    public let connection: KubeConnection
    let http: CurlHTTPClient
    let maxRetries: Int

    public init(connection: KubeConnection, maxRetries: Int = 5) {
        self.connection = connection
        http = CurlHTTPClient(reusingConnections: true)
        self.maxRetries = maxRetries
    }

    /// The answer's body for a 2xx; throws `KubeAPIError` otherwise.
    public func send(_ method: String, _ path: String, query: [String: String] = [:], body: Data? = nil,
                     contentType: String = "application/json") async throws -> Data {
        let request = try request(method, path, query: query, body: body, contentType: contentType, timeout: .seconds(60))
        var attempt = 0
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
                 timeout: Duration?) throws -> HTTPRequest {
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
        if let token = try bearerToken() { headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        return HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout, tls: tls)
    }

    /// The token to present, read afresh from a token file (service-account tokens rotate).
    func bearerToken() throws -> String? {
        switch connection.credentials {
        case .token(let token):
            return token
        case .tokenFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeAPIError(code: 0, reason: nil, message: "cannot read the token file \(path)", request: "authentication")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        case .exec(let plugin):
            throw KubeAPIError(
                code: 0, reason: nil,
                message: "the kubeconfig's exec credential plugin (\(plugin.command)) is not supported yet; use a token or client certificate",
                request: "authentication")
        case .none, .clientCertificate:
            return nil
        }
    }

    var tls: TLSSettings? {
        var settings = TLSSettings(certificateAuthority: connection.certificateAuthority, insecureSkipVerify: connection.insecureSkipTLSVerify)
        if case .clientCertificate(let certificate, let key) = connection.credentials {
            settings.clientCertificate = certificate
            settings.clientKey = key
        }
        return settings
    }
}
