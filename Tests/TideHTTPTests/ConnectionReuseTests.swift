import Foundation
import Testing
import TideHTTP

/// `CurlHTTPClient(reusingConnections:)` against a loopback server that names the connection of each answer.
@Suite struct ConnectionReuseTests {
    private func post(_ client: CurlHTTPClient, _ server: LoopbackServer, _ text: String) async throws -> String {
        let response = try await client.send(
            HTTPRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/echo", body: Data(text.utf8)))
        #expect(response.status == 200)
        return String(decoding: response.body, as: UTF8.self)
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let client = CurlHTTPClient(reusingConnections: true)
        for index in 0..<5 {
            #expect(try await post(client, server, "request \(index)") == "connection 1\nrequest \(index)")
        }
        #expect(server.connections == 1)
    }

    @Test func withoutReuseEachRequestOpensAConnection() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let client = CurlHTTPClient()
        for index in 0..<3 {
            #expect(try await post(client, server, "request \(index)") == "connection \(index + 1)\nrequest \(index)")
        }
        #expect(server.connections == 3)
    }

    @Test func concurrentRequestsUseAConnectionEachAndKeepThem() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let client = CurlHTTPClient(reusingConnections: true)
        for round in 0..<3 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let answer = try await post(client, server, "round \(round) request \(index)")
                        #expect(answer.hasSuffix("\nround \(round) request \(index)"), "\(answer)")
                    }
                }
                try await group.waitForAll()
            }
        }
        // Never more connections than requests under way at once; later rounds reuse them.
        #expect(server.connections <= 4)
    }

    @Test func aConnectionTheServerClosedIsReplaced() async throws {
        let server = try LoopbackServer(requestsPerConnection: 2)
        defer { server.stop() }
        let client = CurlHTTPClient(reusingConnections: true)
        var answers: [String] = []
        for index in 0..<5 {
            answers.append(try await post(client, server, "\(index)"))
        }
        #expect(answers == ["connection 1\n0", "connection 1\n1", "connection 2\n2", "connection 2\n3", "connection 3\n4"])
    }

    @Test func aRefusedConnectionIsAnErrorAndTheClientGoesOn() async throws {
        let server = try LoopbackServer()
        let port = server.port
        server.stop()
        let client = CurlHTTPClient(reusingConnections: true)
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
        }
        let next = try LoopbackServer()
        defer { next.stop() }
        #expect(try await post(client, next, "after") == "connection 1\nafter")
    }
}
