import Foundation
import TideStore

/// A node of the `nodes` collection: a machine's GPUs offered to one GPU
/// type's scheduler. The local backend's nodes are written by `PUT
/// /v1/nodes/{name}` and `cmd label node`; the Kubernetes backend mirrors
/// labelled cluster nodes here.
public struct NodeRecord: Codable, Sendable, Hashable {
    public var name: String
    /// The GPU type (value of the node label) this node serves.
    public var accelerator: String
    /// GPUs on the node, indexed `0..<gpus`.
    public var gpus: Int
    /// False when cordoned: its running workers stay, no new ones come.
    public var schedulable: Bool
    public var updated: Date

    public init(name: String, accelerator: String, gpus: Int, schedulable: Bool = true, updated: Date) {
        self.name = name
        self.accelerator = accelerator
        self.gpus = gpus
        self.schedulable = schedulable
        self.updated = updated
    }

    private enum CodingKeys: String, CodingKey { case name, accelerator, gpus, schedulable, updated }

    /// `schedulable` defaults to true and `updated` to the epoch: nodes written by hand or by older versions lack them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        accelerator = try container.decode(String.self, forKey: .accelerator)
        gpus = try container.decode(Int.self, forKey: .gpus)
        schedulable = try container.decodeIfPresent(Bool.self, forKey: .schedulable) ?? true
        updated = try container.decodeIfPresent(Date.self, forKey: .updated) ?? Date(timeIntervalSince1970: 0)
    }
}

extension MongoCollection where Document == NodeRecord {
    /// Writes `node` under its name, creating it if new (the `nodes` collection is keyed by name).
    public func save(_ node: NodeRecord) async throws {
        try await upsert(
            ["name": .string(node.name)],
            set: [
                "accelerator": .string(node.accelerator), "gpus": .int(Int64(node.gpus)),
                "schedulable": .bool(node.schedulable), "updated": .date(node.updated),
            ])
    }
}
