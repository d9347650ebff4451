import CCurl
import CShims
import Foundation

/// What libcurl's callbacks need during one transfer; lives and is used on the transfer's thread only.
final class TransferState {
    private let handle: UnsafeMutableRawPointer
    private let onHead: CurlTransfer.HeadHandler
    private let onBody: CurlTransfer.BodyHandler
    let isCancelled: () -> Bool
    private var headers: [HTTPHeader] = []
    private var headDelivered = false
    /// The body handler asked to stop.
    private(set) var aborted = false

    init(
        handle: UnsafeMutableRawPointer, onHead: @escaping CurlTransfer.HeadHandler,
        onBody: @escaping CurlTransfer.BodyHandler, isCancelled: @escaping () -> Bool
    ) {
        self.handle = handle
        self.onHead = onHead
        self.onBody = onBody
        self.isCancelled = isCancelled
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> TransferState {
        Unmanaged<TransferState>.fromOpaque(pointer!).takeUnretainedValue()
    }

    /// One header line; a status line starts a new block (after "100 Continue"), a blank line ends it.
    func header(_ buffer: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard let buffer else { return length }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers = []
        } else if line.isEmpty {
            if !headDelivered, status >= 200 { deliverHead() }
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name, value))
        }
        return length
    }

    func body(_ buffer: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        deliverHeadIfMissing()
        guard let buffer, length > 0 else { return length }
        if isCancelled() || !onBody(Data(bytes: buffer, count: length)) {
            aborted = true
            return 0
        }
        return length
    }

    func deliverHeadIfMissing() {
        if !headDelivered { deliverHead() }
    }

    private func deliverHead() {
        headDelivered = true
        onHead(HTTPResponseHead(status: status, headers: headers))
    }

    private var status: Int {
        var code = 0
        tide_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}
