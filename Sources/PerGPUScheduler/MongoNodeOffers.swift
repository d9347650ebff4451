import Foundation
import TideJobs
import TideKube
import TideKubeBackend
import TideStore

/// The node mirror's writes to the `nodes` collection (one document per node, by name).
struct MongoNodeOffers: NodeOfferSink {
    let store: MongoStore

    func replaceNodes(accelerator: String, offers: [KubeCapacity.Offer]) async throws {
        let nodes = store.collection(StoreSchema.nodes, of: NodeRecord.self)
        let now = Date()
        for offer in offers {
            try await nodes.save(
                NodeRecord(name: offer.node, accelerator: accelerator, gpus: offer.gpus, schedulable: offer.schedulable, updated: now))
        }
        _ = try await nodes.delete(
            ["accelerator": .string(accelerator), "name": ["$nin": .array(offers.map { .string($0.node) })]], many: true)
    }
}
