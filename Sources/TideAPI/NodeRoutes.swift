import Foundation
import Hummingbird
import TideBroker
import TideCore
import TideJobs
import TideStore

/// `PUT /v1/nodes/{name}` (local backend): offers a node's GPUs to one GPU
/// type, or changes them, and wakes that type's scheduler (and the former
/// one's, when the type changed) with `node.<type>.changed`.
struct NodeRoutes: Sendable {
    let api: TrainingAPI

    /// The body: `{"accelerator": "v100", "gpus": 4, "schedulable": true}`.
    struct NodeBody: Decodable {
        var accelerator: String
        var gpus: Int
        var schedulable: Bool?
    }

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.get("nodes") { _, _ in
            try JobRoutes.json(["items": try await nodesWithUse()])
        }
        group.put("nodes/{name}") { request, context in
            let name = try JobRoutes.name(context)
            guard Self.isNodeName(name) else {
                throw APIError(.badRequest, "a node name is 1 to 253 lower-case letters, digits, '-' and '.'", field: "name")
            }
            let data = try await JobRoutes.body(of: request, limit: 16 * 1024)
            let body: NodeBody
            do {
                body = try JSONDecoder().decode(NodeBody.self, from: data)
            } catch {
                throw APIError(.badRequest, "a node is JSON with accelerator and gpus (and schedulable): \(error)")
            }
            do {
                try BrokerNames.validAccelerator(body.accelerator)
            } catch {
                throw APIError(.badRequest, "accelerator: \(error)", field: "accelerator")
            }
            guard (0...1024).contains(body.gpus) else {
                throw APIError(.badRequest, "gpus must be a whole number from 0 to 1024, got \(body.gpus)", field: "gpus")
            }
            let nodes = api.store.collection(StoreSchema.nodes, of: NodeRecord.self)
            let before = try await nodes.findOne(["name": .string(name)])
            let node = NodeRecord(
                name: name, accelerator: body.accelerator, gpus: body.gpus, schedulable: body.schedulable ?? true,
                updated: Date())
            try await nodes.save(node)
            for accelerator in Set([node.accelerator] + (before.map { [$0.accelerator] } ?? [])).sorted() {
                await announce(node: name, accelerator: accelerator)
            }
            return try JobRoutes.json(node, status: before == nil ? .created : .ok)
        }
    }

    /// Every node in name order, with the GPUs running jobs hold there (`used`) and those jobs (`jobs`),
    /// read from the schedulers' records of their running jobs.
    private func nodesWithUse() async throws -> [JSONValue] {
        let nodes = try await api.store.collection(StoreSchema.nodes, of: NodeRecord.self)
            .find([:], sort: [SortKey("name")], limit: 10_000)
        let running = try await api.service.list(
            ListQuery(["status": JobState.running.rawValue, "limit": "1000"], maxLimit: 1000)).items.map(\.name)
        var used: [String: Int] = [:]
        var jobs: [String: Set<String>] = [:]
        if !running.isEmpty {
            let info = try await api.store.collection(StoreSchema.jobInfo, of: JSONValue.self)
                .find(["name": ["$in": .array(running.map { .string($0) })]])
            for document in info {
                guard let job = document["name"]?.stringValue else { continue }
                for worker in document["scheduler"]?["workers"]?.arrayValue ?? [] {
                    guard let node = worker["node"]?.stringValue else { continue }
                    used[node, default: 0] += worker["gpus"]?.arrayValue?.count ?? 0
                    jobs[node, default: []].insert(job)
                }
            }
        }
        return nodes.map { node in
            .object([
                "name": .string(node.name), "accelerator": .string(node.accelerator), "gpus": .int(Int64(node.gpus)),
                "schedulable": .bool(node.schedulable), "used": .int(Int64(used[node.name] ?? 0)),
                "jobs": .array((jobs[node.name] ?? []).sorted().map { .string($0) }),
            ])
        }
    }

    /// Best effort: a scheduler that misses it sees the node at its next tick.
    private func announce(node: String, accelerator: String) async {
        guard let messages = api.messages, let key = try? BrokerNames.nodeChangedKey(accelerator: accelerator) else { return }
        let message = OutgoingMessage(
            exchange: BrokerNames.eventsExchange, routingKey: key, body: Data(#"{"node":"\#(node)"}"#.utf8),
            properties: MessageProperties(contentType: "application/json", persistent: true))
        do {
            try await messages.publish(message)
        } catch {
            api.logger.warning("node change not announced", metadata: ["node": "\(node)", "error": "\(error)"])
        }
    }

    static func isNodeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253
            && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
