import Foundation
import TideHTTP
import TideTestSupport
import Testing

/// https as the Kubernetes API server asks for it: its own CA, a client certificate.
@Suite(.serialized) struct TLSTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tide-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A CA, a server certificate for 127.0.0.1 and a client certificate "tide-scheduler", all signed by the CA.
        let script = """
            set -e
            cd '\(directory.path)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=tide-scheduler 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null
            """
        let made = try Spawn.run(["/bin/bash", "-c", script])
        guard made.status == 0 else { throw TestServerError("openssl failed: \(made.errors)") }
    }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func withServer(_ body: (String) async throws -> Void) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("tls-server.py").path
        let server = try ChildProcess(["/usr/bin/env", "python3", script, directory.path])
        let port = try await server.waitForLog(#"port (\d+)"#)
        do {
            try await body("https://127.0.0.1:\(port)/")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func theServersCAAndAClientCertificateFromFiles() async throws {
        try await withServer { url in
            let tls = TLSSettings(certificateAuthority: .file(file("ca.crt")), clientCertificate: .file(file("client.crt")), clientKey: .file(file("client.key")))
            let response = try await CurlHTTPClient().send(HTTPRequest(url: url, tls: tls))
            #expect(response.head.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "tide-scheduler")
        }
    }

    @Test func inlinePEMAsAKubeconfigsDataFieldsGiveIt() async throws {
        try await withServer { url in
            let read = { (name: String) in TLSSettings.PEM.data(try Data(contentsOf: directory.appendingPathComponent(name))) }
            let tls = TLSSettings(certificateAuthority: try read("ca.crt"), clientCertificate: try read("client.crt"), clientKey: try read("client.key"))
            let response = try await CurlHTTPClient().send(HTTPRequest(url: url, tls: tls))
            #expect(String(decoding: response.body, as: UTF8.self) == "tide-scheduler")
        }
    }

    @Test func aServerNotSignedByTheGivenCAIsRefused() async throws {
        try await withServer { url in
            // The system's CAs do not know the test CA.
            let tls = TLSSettings(clientCertificate: .file(file("client.crt")), clientKey: .file(file("client.key")))
            let untrusted = await #expect(throws: HTTPClientError.self) { try await CurlHTTPClient().send(HTTPRequest(url: url, tls: tls)) }
            // Told apart from a broken connection: sending again would fail the same way.
            #expect(untrusted?.kind == .tls, "\(String(describing: untrusted))")
            // Without a client certificate the server hangs up.
            let noClient = TLSSettings(certificateAuthority: .file(file("ca.crt")))
            await #expect(throws: HTTPClientError.self) { try await CurlHTTPClient().send(HTTPRequest(url: url, tls: noClient)) }
        }
    }
}
