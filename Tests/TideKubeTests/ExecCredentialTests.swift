import Foundation
import TideKube
import TideTestSupport
import Testing

/// A kubeconfig's `exec` credential plugin, run against the fake API server.
@Suite(.serialized) struct ExecCredentialTests {
    static let token = "fake-token"

    /// A kubeconfig in a fresh folder whose user runs `plugin.sh` from there (a relative path, as kubectl allows).
    func withPlugin(_ script: String, _ body: (KubeClient, URL) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plugin = folder.appendingPathComponent("bin/plugin.sh")
        try ("#!/bin/sh\n" + script).write(to: plugin, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin.path)
        let (server, url) = try await FakeAPIServer.start(token: Self.token)
        defer { Task { await server.stop() } }
        let kubeconfig = folder.appendingPathComponent("config")
        try """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "\(url)"}}]
        users:
        - name: u
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: bin/plugin.sh
              args: ["\(folder.path)"]
              env: [{name: PLUGIN_GREETING, value: hello}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        """.write(to: kubeconfig, atomically: true, encoding: .utf8)
        try await body(KubeClient(connection: try KubeConfigLoader.load(path: kubeconfig.path)), folder)
    }

    func calls(_ folder: URL) -> Int {
        ((try? String(contentsOf: folder.appendingPathComponent("calls"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func theTokenIsAskedForOnceUntilItExpires() async throws {
        let script = #"""
        echo "$PLUGIN_GREETING $KUBERNETES_EXEC_INFO" >> "$1/calls"
        printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"fake-token","expirationTimestamp":"2999-01-01T00:00:00Z"}}'
        """#
        try await withPlugin(script) { client, folder in
            for _ in 0..<3 { _ = try await client.send("GET", "/api/v1/nodes") }
            #expect(calls(folder) == 1)
            let call = try String(contentsOf: folder.appendingPathComponent("calls"), encoding: .utf8)
            #expect(call.hasPrefix("hello {\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\""))
        }
    }

    @Test func anExpiringTokenIsRenewedAndARefusedOneAskedForAgain() async throws {
        // The first token is stale (the server refuses it); later ones are good but expire at once.
        let script = #"""
        echo call >> "$1/calls"
        if [ "$(wc -l < "$1/calls")" -eq 1 ]; then token=stale; else token=fake-token; fi
        printf '{"kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$token"
        """#
        try await withPlugin(script) { client, folder in
            _ = try await client.send("GET", "/api/v1/nodes")
            #expect(calls(folder) == 2, "a 401 asks the plugin again, once")
            _ = try await client.send("GET", "/api/v1/nodes")
            #expect(calls(folder) == 3, "an expired token is not used again")
        }
    }

    @Test func aFailingPluginIsNamedWithWhatItSaid() async throws {
        try await withPlugin("echo 'error: run gcloud auth login' >&2\nexit 1\n") { client, _ in
            do {
                _ = try await client.send("GET", "/api/v1/nodes")
                Issue.record("a failing plugin gave a credential")
            } catch let error as KubeAPIError {
                #expect(error.message.contains("bin/plugin.sh exited with 1: error: run gcloud auth login"), "\(error)")
            }
        }
        try await withPlugin("echo not-json\n") { client, _ in
            await #expect(throws: KubeAPIError.self) { _ = try await client.send("GET", "/api/v1/nodes") }
        }
    }
}
