import Foundation

extension KubeClient {
    /// `/api/v1/namespaces/<namespace>/pods`.
    public static func podsPath(_ namespace: String) -> String { "/api/v1/namespaces/\(namespace)/pods" }

    /// Creates the worker's pod; one that exists already (a retried call) counts as created.
    public func create(_ pod: WorkerPod) async throws {
        do {
            _ = try await send("POST", Self.podsPath(pod.namespace), body: try pod.json())
        } catch let error as KubeAPIError where error.isConflict {
            return
        }
    }

    /// Binds a pod to a node (`pods/binding`). A 409 means it is bound already:
    /// fine when to `node` (a retried call), an error otherwise.
    public func bind(pod name: String, namespace: String, to node: String) async throws {
        let binding: [String: Any] = [
            "apiVersion": "v1", "kind": "Binding", "metadata": ["name": name, "namespace": namespace],
            "target": ["apiVersion": "v1", "kind": "Node", "name": node],
        ]
        do {
            _ = try await send(
                "POST", "\(Self.podsPath(namespace))/\(name)/binding",
                body: try JSONSerialization.data(withJSONObject: binding, options: [.sortedKeys]))
        } catch let error as KubeAPIError where error.isConflict {
            let pod = try JSONDecoder().decode(KubePod.self, from: try await send("GET", "\(Self.podsPath(namespace))/\(name)"))
            guard pod.spec?.nodeName == node else { throw error }
        }
    }

    /// Deletes a pod with a grace period; one already gone counts as deleted.
    public func deletePod(_ name: String, namespace: String, graceSeconds: Int) async throws {
        do {
            _ = try await send("DELETE", "\(Self.podsPath(namespace))/\(name)", query: ["gracePeriodSeconds": "\(graceSeconds)"])
        } catch let error as KubeAPIError where error.isNotFound {
            return
        }
    }
}

extension KubeClient {
    /// A container's log (`pods/log`), all of it or its last `limitBytes`.
    public func podLog(_ name: String, namespace: String, container: String? = nil, limitBytes: Int? = nil) async throws -> Data {
        var query: [String: String] = [:]
        if let container { query["container"] = container }
        if let limitBytes { query["limitBytes"] = "\(limitBytes)" }
        return try await send("GET", "\(Self.podsPath(namespace))/\(name)/log", query: query)
    }
}
