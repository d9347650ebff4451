import Foundation
import Testing
import TideStore

struct Item: Codable, Equatable, Sendable {
    var name: String
    var group: String
    var rank: Int
}

@Suite struct CollectionTests {
    @Test func insertFindUpdateDeleteCount() async throws {
        try await withStore(schema: false) { store in
            let items = store.collection("items", of: Item.self)
            for rank in 0..<6 {
                try await items.insert(Item(name: "item-\(rank)", group: rank % 2 == 0 ? "even" : "odd", rank: rank))
            }
            #expect(try await items.count() == 6)
            #expect(try await items.count(["group": "odd"]) == 3)
            #expect(try await items.findOne(["name": "item-4"]) == Item(name: "item-4", group: "even", rank: 4))
            #expect(try await items.findOne(["name": "nope"]) == nil)

            let descending = try await items.find(["group": "even"], sort: [SortKey("rank", ascending: false)])
            #expect(descending.map(\.rank) == [4, 2, 0])
            let window = try await items.find(sort: [SortKey("rank")], limit: 2, skip: 3)
            #expect(window.map(\.rank) == [3, 4])

            let updated = try await items.updateOne(["name": "item-1"], ["$set": ["rank": 10]])
            #expect(updated == UpdateResult(matchedCount: 1, modifiedCount: 1))
            #expect(try await items.findOne(["name": "item-1"])?.rank == 10)
            let missed = try await items.updateOne(["name": "nope"], ["$set": ["rank": 1]])
            #expect(missed.matchedCount == 0)

            let replaced = try await items.replaceOne(["name": "item-2"], with: Item(name: "item-2", group: "x", rank: 2))
            #expect(replaced.matchedCount == 1)
            #expect(try await items.findOne(["name": "item-2"])?.group == "x")

            #expect(try await items.delete(["name": "item-0"]) == 1)
            #expect(try await items.delete(["name": "item-0"]) == 0)
            #expect(try await items.delete(["group": "odd"], many: true) == 3)
            #expect(try await items.find(sort: [SortKey("name")]).map(\.name) == ["item-2", "item-4"])
        }
    }

    @Test func aUniqueIndexRefusesADuplicate() async throws {
        try await withStore(schema: false) { store in
            let items = store.collection("items", of: Item.self)
            try await items.createIndexes([IndexModel(name: "name_unique", keys: [SortKey("name")], unique: true)])
            try await items.insert(Item(name: "a", group: "g", rank: 1))
            let error = await #expect(throws: StoreError.self) { try await items.insert(Item(name: "a", group: "h", rank: 2)) }
            guard case .alreadyExists(let collection, _) = error else {
                Issue.record("expected alreadyExists, got \(String(describing: error))")
                return
            }
            #expect(collection == "items")
            #expect(try await items.count() == 1)
        }
    }

    @Test func ensureSchemaCreatesTheSpecIndexesAndIsIdempotent() async throws {
        try await withStore(schema: false) { store in
            try await store.ensureSchema()
            try await store.ensureSchema()
            let expected: [String: Set<String>] = [
                StoreSchema.jobs: ["_id_", "name_unique", "accelerator_status", "outbox_since"],
                StoreSchema.jobInfo: ["_id_", "name_unique"],
                StoreSchema.nodes: ["_id_", "name_unique"],
                StoreSchema.events: ["_id_", "job_time"],
            ]
            for (collection, names) in expected {
                let found = try await store.collection(collection, of: Item.self).indexNames()
                #expect(Set(found) == names, "\(collection)")
            }
            // The unique indexes hold on job_info and nodes too.
            for collection in [StoreSchema.jobInfo, StoreSchema.nodes] {
                let handle = store.collection(collection, of: Item.self)
                try await handle.insert(Item(name: "n1", group: "g", rank: 0))
                await #expect(throws: StoreError.self) { try await handle.insert(Item(name: "n1", group: "g", rank: 1)) }
            }
        }
    }

    @Test func badArgumentsAreRefused() async throws {
        try await withStore(schema: false) { store in
            let items = store.collection("items", of: Item.self)
            await #expect(throws: StoreError.invalidArgument("limit must be at least 1, not 0")) {
                try await items.find(limit: 0)
            }
            await #expect(throws: StoreError.self) { try await items.find(skip: -1) }
        }
    }
}
