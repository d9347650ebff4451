import Foundation
import TideHTTP

/// Whether a part is ready, asked once.
enum ReadinessProbe {
    static func isReady(_ part: StackPart) async -> Bool {
        guard let port = part.port, port > 0 else { return false }
        switch part.readiness {
        case .listening:
            return accepts(port: port)
        case .http(let path):
            let request = HTTPRequest(url: "http://127.0.0.1:\(port)\(path)", timeout: .seconds(2), connectTimeout: .seconds(1))
            return (try? await CurlHTTPClient().send(request))?.head.status == 200
        }
    }

    /// A TCP connection to the loopback port succeeds.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
