import Foundation
import TideHTTP
import TidePorts

/// Whether a part is ready, asked once.
enum ReadinessProbe {
    static func isReady(_ part: StackPart) async -> Bool {
        guard let port = part.port, port > 0 else { return false }
        switch part.readiness {
        case .listening:
            return PortCheck.accepts(port)
        case .http(let path):
            let request = HTTPRequest(url: "http://127.0.0.1:\(port)\(path)", timeout: .seconds(2), connectTimeout: .seconds(1))
            return (try? await CurlHTTPClient().send(request))?.head.status == 200
        }
    }
}
