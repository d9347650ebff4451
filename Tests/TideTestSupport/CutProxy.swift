import Foundation

/// A proxy to the test database that loses the answers to chosen writes
/// (`Tests/TideTestSupport/cut-proxy.py`), started as a child process: the
/// write reaches the server and is carried out, then the client's connection
/// breaks before the answer comes back.
public struct CutProxy: Sendable {
    public let process: ChildProcess
    /// The database's URI through the proxy.
    public let uri: String

    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("cut-proxy.py").path

    /// A proxy to `mongoURI` that cuts the connection after each of the first `times`
    /// `command`s on `collection` (say `insert` on `jobs`) reaches the server; with
    /// `containing`, only commands whose bytes contain it count. With `landingAfter`, the
    /// connection breaks first and the command reaches the server that much later.
    public static func start(
        to mongoURI: String, cutting command: String, on collection: String, containing: String = "", times: Int = 1,
        landingAfter delay: Duration = .zero
    ) async throws -> CutProxy {
        guard let target = URLComponents(string: mongoURI), let host = target.host, let port = target.port else {
            throw TestServerError("cannot read host and port from \(mongoURI)")
        }
        let process = try ChildProcess(["/usr/bin/env", "python3", script, "\(host):\(port)", command, collection, String(times), containing,
            String(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)])
        do {
            let listening = try await process.waitForLog(#"port (\d+)"#)
            return CutProxy(process: process, uri: "mongodb://127.0.0.1:\(listening)/?directConnection=true")
        } catch {
            await process.stop()
            throw error
        }
    }

    /// How many answers it has lost so far.
    public var cuts: Int { process.log.components(separatedBy: "\n").filter { $0.hasPrefix("cut ") }.count }

    /// How many delayed commands have reached the server so far.
    public var landings: Int { process.log.components(separatedBy: "\n").filter { $0.hasPrefix("landed ") }.count }

    public func stop() async { _ = await process.stop() }
}
