import Foundation

/// The fake Kubernetes API server the Kubernetes tests run against
/// (`Tests/TideKubeTests/fake-apiserver.py`), started as a child process.
public enum FakeAPIServer {
    /// The script, found from this file's place in the repository.
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TideKubeTests/fake-apiserver.py").standardized.path

    /// Starts a server accepting `token` (with its simulated kubelet and MPI operator when
    /// `kubelet`); returns it once it listens, with its URL.
    public static func start(token: String, kubelet: Bool = false) async throws -> (server: ChildProcess, url: String) {
        let server = try ChildProcess(["/usr/bin/env", "python3", script, token] + (kubelet ? ["--kubelet"] : []))
        do {
            let port = try await server.waitForLog(#"port (\d+)"#)
            return (server, "http://127.0.0.1:\(port)")
        } catch {
            await server.stop()
            throw error
        }
    }
}
