import Foundation
import TideTestSupport

/// A `training-service` process of the test's own: its own database on the shared
/// SecantusDB, the shared broker, a free port; `cmd` pointed at it by environment.
final class ServiceUnderTest: Sendable {
    static let token = "cmd-test-token"
    /// SHA-256 of `token`, as the service is configured with it (`printf cmd-test-token | sha256sum`).
    static let tokenDigest = "5f77fd4b7e79d5b2293775ecf2aeb49a89339c209632fa663ffa6a258683bbf0"

    let process: ChildProcess
    let url: String
    /// A home of its own, so no real ~/.config/tide/config.yaml is read.
    let home: URL

    /// `mongoURI`: the database server to use instead of the shared one (a proxy to it, say).
    static func start(defaultAccelerator: String = "v100", mongoURI: String? = nil) async throws -> ServiceUnderTest {
        let process = try ChildProcess(
            [
                try builtExecutable("training-service").path, "--port", "0", "--host", "127.0.0.1",
                "--mongo-uri", try mongoURI ?? TestServers.mongoURI, "--database", TestServers.uniqueName("cmd"),
                "--amqp-uri", try TestServers.amqpURI, "--default-accelerator", defaultAccelerator,
            ],
            environment: ["TIDE_API_PASSWORD_SHA256": tokenDigest, "PATH": "/usr/bin:/bin"])
        let port = try await process.waitForLog(#"listening on 127\.0\.0\.1:(\d+)"#)
        return ServiceUnderTest(process: process, url: "http://127.0.0.1:\(port)")
    }

    private init(process: ChildProcess, url: String) {
        self.process = process
        self.url = url
        home = FileManager.default.temporaryDirectory.appendingPathComponent("tide-home-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    /// The environment `cmd` runs with: this server and token unless `overrides` say otherwise
    /// (a nil value removes the variable).
    func environment(_ overrides: [String: String?] = [:]) -> [String: String] {
        var environment = ["HOME": home.path, "PATH": "/usr/bin:/bin", "TIDE_SERVER": url, "TIDE_TOKEN": Self.token]
        for (key, value) in overrides { environment[key] = value }
        return environment
    }

    /// `cmd arguments...` against this service.
    func cmd(_ arguments: [String], input: Data = Data(), environment overrides: [String: String?] = [:]) throws
        -> RunResult
    {
        try runCmd(arguments, input: input, environment: environment(overrides))
    }

    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: home)
    }
}

extension ServiceUnderTest {
    /// Runs `body` with a fresh service, stopping it (SIGTERM, then SIGKILL) however `body` ends.
    static func with(mongoURI: String? = nil, _ body: (ServiceUnderTest) async throws -> Void) async throws {
        let service = try await start(mongoURI: mongoURI)
        do {
            try await body(service)
        } catch {
            await service.stop()
            throw error
        }
        await service.stop()
    }
}
