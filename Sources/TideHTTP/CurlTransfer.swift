import CCurl
import CShims
import Foundation

/// One blocking libcurl transfer on the calling thread, reporting the head and each body chunk.
///
/// An easy handle is not thread-safe, so a transfer runs wholly on one thread
/// (`CurlHTTPClient` gives it a dedicated one) on a handle no other transfer
/// uses meanwhile: its own, or one lent by an `EasyHandlePool`.
enum CurlTransfer {
    /// Called once the status line and headers are in.
    typealias HeadHandler = (HTTPResponseHead) -> Void
    /// Called for each body chunk; false aborts the transfer.
    typealias BodyHandler = (Data) -> Bool

    /// A new easy handle, for a pool that lends it to one transfer at a time.
    static func makeHandle() -> UnsafeMutableRawPointer? {
        _ = globalInit
        return curl_easy_init()
    }

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Runs `request` to its end, or until `onBody` returns false or `isCancelled` answers true
    /// (then it returns normally: whoever cancelled knows).
    /// `reusing` is a handle of an earlier transfer, whose open connection is kept if the server allows;
    /// without it the transfer makes a handle of its own and closes its connection at the end.
    static func perform(
        _ request: HTTPRequest, reusing reused: UnsafeMutableRawPointer? = nil, onHead: @escaping HeadHandler,
        onBody: @escaping BodyHandler, isCancelled: @escaping () -> Bool
    ) throws(HTTPClientError) {
        _ = globalInit
        // Reset forgets the options of the last transfer, not its connection cache.
        if let reused { curl_easy_reset(reused) }
        guard let handle = reused ?? curl_easy_init() else {
            throw HTTPClientError(kind: .transfer, url: request.url, reason: "curl_easy_init failed")
        }
        defer { if reused == nil { curl_easy_cleanup(handle) } }
        let state = TransferState(handle: handle, onHead: onHead, onBody: onBody, isCancelled: isCancelled)
        let userData = Unmanaged.passUnretained(state).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        var headerList: UnsafeMutablePointer<curl_slist>?
        // An empty Expect stops curl from waiting for "100 Continue" before sending a body.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        defer { curl_slist_free_all(headerList) }

        let code: CURLcode = request.url.withCString { url in
            request.method.withCString { method in
                errorBuffer.withUnsafeMutableBufferPointer { errors in
                    let body = request.body ?? Data()
                    return body.withUnsafeBytes { bodyBytes in
                        tide_curl_setopt_pointer(handle, CURLOPT_URL, url)
                        tide_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                        tide_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList)
                        tide_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                        tide_curl_setopt_long(
                            handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeout))
                        if let timeout = request.timeout {
                            tide_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(timeout))
                        }
                        // A POST without a body is still a POST (curl would otherwise send a GET).
                        if request.body != nil || request.method == "POST" {
                            tide_curl_setopt_long(handle, CURLOPT_POST, 1)
                            tide_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bodyBytes.count)
                            // A non-null pointer even for an empty body, or curl reads stdin.
                            tide_curl_setopt_pointer(
                                handle, CURLOPT_POSTFIELDS, bodyBytes.baseAddress ?? UnsafeRawPointer(url))
                        }
                        if request.method != "GET" && request.method != "POST" {
                            tide_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, method)
                        }
                        tide_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, userData)
                        tide_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, data in
                            TransferState.from(data).header(buffer, size * count)
                        }
                        tide_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, userData)
                        tide_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, data in
                            TransferState.from(data).body(buffer, size * count)
                        }
                        if let tls = request.tls { TLSOptions.apply(tls, to: handle) }
                        tide_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, userData)
                        tide_curl_setopt_progress_function(handle) { data, _, _, _, _ in
                            TransferState.from(data).isCancelled() ? 1 : 0
                        }
                        return curl_easy_perform(handle)
                    }
                }
            }
        }
        withExtendedLifetime(state) {}
        if code == CURLE_OK {
            state.deliverHeadIfMissing()
            return
        }
        if state.aborted || isCancelled() { return }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        throw HTTPClientError(kind: kind(of: code), url: request.url, reason: reason)
    }

    private static func kind(of code: CURLcode) -> HTTPClientError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .unreachable
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .badURL
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR:
            .tls
        default: .transfer
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
