import Foundation
import Synchronization

/// A minimal HTTP/1.1 server on a loopback port, each connection on a thread of its own.
///
/// It answers every request with 200 and a body naming the connection it came
/// on (`connection N`, counting from 1) followed by the request's body, and
/// keeps the connection open for `requestsPerConnection` requests: enough to
/// see whether a client reuses connections and how it copes with one closed.
final class LoopbackServer: Sendable {
    let port: Int
    private let listener: Int32
    private let accepted = Atomic<Int>(0)
    private let requestsPerConnection: Int

    /// Connections accepted so far.
    var connections: Int { accepted.load(ordering: .acquiring) }

    init(requestsPerConnection: Int = .max) throws {
        self.requestsPerConnection = requestsPerConnection
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && getsockname(listener, pointer, &length) == 0
                    && listen(listener, 64) == 0
            }
        }
        guard listening else {
            close(listener)
            throw ServerError()
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let server = self
        Thread.detachNewThread { server.acceptLoop() }
    }

    /// Stops accepting; open connections end when their client closes them.
    ///
    /// Only a shutdown here: it wakes the accepting thread, which closes the
    /// descriptor itself. Closing it here, while that thread sits in `accept`,
    /// would let another test's new socket take the same number and be
    /// accepted on by this server's thread.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                close(listener)
                return
            }
            let number = accepted.add(1, ordering: .acquiringAndReleasing).newValue
            Thread.detachNewThread { self.serve(connection, number: number) }
        }
    }

    private func serve(_ connection: Int32, number: Int) {
        defer { close(connection) }
        var buffer = Data()
        for served in 1...requestsPerConnection {
            guard let body = readRequest(connection, &buffer) else { return }
            let last = served == requestsPerConnection
            let payload = Data("connection \(number)\n".utf8) + body
            let head = "HTTP/1.1 200 OK\r\nContent-Length: \(payload.count)\r\n"
                + (last ? "Connection: close\r\n" : "") + "\r\n"
            let answer = Data(head.utf8) + payload
            let sent = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == answer.count else { return }
        }
    }

    /// One request's body (after its head, by Content-Length); nil when the client closed.
    private func readRequest(_ connection: Int32, _ buffer: inout Data) -> Data? {
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            guard receive(connection, into: &buffer) else { return nil }
        }
        let headEnd = buffer.range(of: separator)!
        let head = String(decoding: buffer[..<headEnd.lowerBound], as: UTF8.self).lowercased()
        let length = head.split(separator: "\r\n")
            .first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        while buffer.count - headEnd.upperBound + buffer.startIndex < length {
            guard receive(connection, into: &buffer) else { return nil }
        }
        let bodyStart = headEnd.upperBound
        let body = buffer[bodyStart..<(bodyStart + length)]
        buffer = Data(buffer[(bodyStart + length)...])
        return Data(body)
    }

    private func receive(_ connection: Int32, into buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = recv(connection, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    struct ServerError: Error {}
}
