import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TideAPI
import TideStore
import Yams

/// /healthz, /readyz, /metrics, /v1/nodes and the OpenAPI document.
@Suite struct OperationsTests {
    @Test func probesAndMetricsNeedNoToken() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            #expect(try await send(client, .get, "/healthz", headers: [:]).status == .ok)
            #expect(try await send(client, .get, "/readyz", headers: [:]).status == .ok)
            _ = try await send(client, .post, "/v1/jobs", body: harness.yaml())
            _ = try await send(client, .get, "/v1/jobs/none-20250101-000000")
            let metrics = try await send(client, .get, "/metrics", headers: [:])
            #expect(metrics.status == .ok)
            let text = metrics.text
            #expect(text.contains(#"tide_jobs{status="Submitted"} 1"#), "\(text)")
            #expect(text.contains(#"tide_jobs{status="Running"} 0"#))
            #expect(text.contains(#"tide_http_requests_total{method="POST",route="/v1/jobs",status="201"} 1"#), "\(text)")
            #expect(text.contains(#"route="/v1/jobs/{name}",status="404"} 1"#), "\(text)")
            #expect(text.contains("tide_http_request_duration_seconds_bucket"))
        }
    }

    @Test func nodesListsTheNodesCollection() async throws {
        let harness = try await Harness.make()
        struct Node: Codable, Sendable { var name: String; var accelerator: String; var gpus: Int }
        try await harness.store.collection(StoreSchema.nodes, of: Node.self)
            .insert(Node(name: "node-a", accelerator: harness.accelerator, gpus: 8))
        try await harness.test { client in
            let response = try await send(client, .get, "/v1/nodes")
            #expect(response.status == .ok)
            struct Listed: Decodable { var name: String; var gpus: Int; var used: Int; var jobs: [String]; var schedulable: Bool }
            struct Nodes: Decodable { var items: [Listed] }
            let nodes = try response.decode(Nodes.self)
            #expect(nodes.items.map(\.name) == ["node-a"])
            let node = try #require(nodes.items.first)
            #expect(node.gpus == 8 && node.used == 0 && node.jobs.isEmpty && node.schedulable)
            #expect(!response.text.contains("_id"))
        }
    }

    /// The checked-in document and the router agree: every route is documented and every documented path served.
    @Test func openAPIDocumentMatchesTheRoutes() async throws {
        let harness = try await Harness.make()
        let routes = Set(harness.api.router().routes.map { route in
            "\(route.method.rawValue) /\(route.path.description.split(separator: "/").joined(separator: "/"))"
        })
        let document = try #require(try Yams.load(yaml: String(decoding: OpenAPIDocument.data, as: UTF8.self)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.0.3")
        let paths = try #require(document["paths"] as? [String: Any])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where method != "parameters" {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(routes == documented, "served only: \(routes.subtracting(documented)); documented only: \(documented.subtracting(routes))")
        // Found by schemathesis: the served document is a YAML mapping, so its schema must say object.
        let ownSchema = ((((paths["/v1/openapi.yaml"] as? [String: Any])?["get"] as? [String: Any])?["responses"]
            as? [String: Any])?["200"] as? [String: Any]).flatMap { ($0["content"] as? [String: Any])?["application/yaml"] }
        #expect((ownSchema as? [String: Any])?["schema"] as? [String: String] == ["type": "object"])
        // Every link (how a fuzzer reaches a stored job) names an operation of the document.
        let operations = paths.values.flatMap { ($0 as? [String: Any] ?? [:]).values.compactMap { ($0 as? [String: Any])?["operationId"] as? String } }
        let linked = Self.linkedOperations(in: paths)
        #expect(!linked.isEmpty && Set(linked).isSubset(of: Set(operations)) && operations.count == Set(operations).count, "\(linked) \(operations)")
        try await harness.test { client in
            let served = try await send(client, .get, "/v1/openapi.yaml", headers: [:])
            #expect(served.status == .ok)
            #expect(Data(buffer: served.body) == OpenAPIDocument.data)
        }
    }

    /// A route's path with a method it does not have is a 405 naming the methods it has (RFC 9110);
    /// a path that is no route, and a job that does not exist, stay 404.
    @Test func unsupportedMethodsAre405WithAllow() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.trace, "/v1/jobs", "GET, POST"), (.put, "/v1/jobs", "GET, POST"), (.head, "/v1/jobs", "GET, POST"),
                (.post, "/v1/jobs/some-job", "DELETE, GET, PATCH"), (.options, "/v1/jobs/some-job/", "DELETE, GET, PATCH"),
                (.get, "/v1/jobs/some-job/progress", "POST"), (.delete, "/v1/nodes", "GET"), (.get, "/v1/nodes/n1", "PUT"),
                (.post, "/v1/openapi.yaml", "GET"), (.trace, "/healthz", "GET"),
            ]
            for (method, path, allow) in cases {
                // No token: the method is refused before any authentication.
                let response = try await send(client, method, path, headers: [:])
                #expect(response.status == .methodNotAllowed, "\(method) \(path): \(response.status)")
                #expect(response.headers[.init("Allow")!] == allow, "\(method) \(path)")
                if method != .head { #expect(response.error?.error.contains("use \(allow)") == true, "\(response.text)") }
            }
            #expect(try await send(client, .trace, "/v1/elsewhere").status == .notFound)
            #expect(try await send(client, .get, "/v1/jobs/a/b/c").status == .notFound)
            #expect(try await send(client, .get, "/v1/jobs/none-20250101-000000").status == .notFound)
            let metrics = try await send(client, .get, "/metrics", headers: [:]).text
            #expect(metrics.contains(#"method="TRACE",route="/v1/jobs",status="405"} 1"#), "\(metrics)")
        }
    }

    /// The operationId of every link under `value`, however deep.
    static func linkedOperations(in value: Any) -> [String] {
        if let array = value as? [Any] { return array.flatMap(linkedOperations) }
        guard let object = value as? [String: Any] else { return [] }
        let links = (object["links"] as? [String: Any] ?? [:]).values.compactMap { ($0 as? [String: Any])?["operationId"] as? String }
        return links + object.filter { $0.key != "links" }.values.flatMap(linkedOperations)
    }
}
