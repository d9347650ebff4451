import Foundation

/// Documents stored by unique name with optimistic concurrency: the job store.
///
/// Every write names the version it read; a write from a stale version gets
/// `conflict` and changes nothing, so no update is ever lost.
public struct VersionedStore<Document: VersionedDocument>: Sendable {
    public let collection: MongoCollection<Document>
    private var fields: DocumentFields { Document.fields }

    /// The store over `collectionName` (for jobs, `StoreSchema.jobs`).
    public init(_ store: MongoStore, collection collectionName: String) {
        collection = store.collection(collectionName)
    }

    /// Stores a new document with version 1 and returns it; `alreadyExists` if the name is taken.
    ///
    /// Needs the unique index on the name (`MongoStore.ensureSchema`).
    @discardableResult
    public func create(_ document: Document) async throws -> Document {
        var stored = document
        stored.version = 1
        do {
            try await collection.insert(stored)
        } catch StoreError.alreadyExists {
            throw StoreError.alreadyExists(collection: collection.name, key: "a document named \"\(document.name)\"")
        }
        return stored
    }

    /// The document named `name`, or nil.
    public func get(_ name: String) async throws -> Document? {
        try await collection.findOne([fields.name: .string(name)])
    }

    /// One page of documents in name order, filtered by accelerator and by any of `statuses`.
    ///
    /// Pass the returned `continueToken` to get the next page; nil means this was the last.
    /// An empty token means the first page, like none.
    public func list(
        accelerator: String? = nil, statuses: [String] = [], limit: Int = 100, continue token: String? = nil
    ) async throws -> Page<Document> {
        guard (1...10_000).contains(limit) else {
            throw StoreError.invalidArgument("limit must be between 1 and 10000, not \(limit)")
        }
        var filter: [(String, BSONValue)] = []
        if let accelerator {
            guard let path = fields.accelerator else {
                throw StoreError.invalidArgument("\(collection.name) documents have no accelerator field")
            }
            filter.append((path, .string(accelerator)))
        }
        if !statuses.isEmpty {
            guard let path = fields.status else {
                throw StoreError.invalidArgument("\(collection.name) documents have no status field")
            }
            filter.append((path, ["$in": .array(statuses.sorted().map(BSONValue.string))]))
        }
        let query = BSONValue.document(filter).extendedJSON
        if let token, !token.isEmpty {
            let position = try ContinueToken(decoding: token, query: query)
            filter.append((fields.name, ["$gt": .string(position.after)]))
        }
        // One more than asked tells whether another page follows.
        let found = try await collection.find(
            .document(filter), sort: [SortKey(fields.name)], limit: limit + 1)
        let items = Array(found.prefix(limit))
        let next = found.count > limit ? items.last.map { ContinueToken(after: $0.name, query: query).encoded } : nil
        return Page(items: items, continueToken: next)
    }

    /// Reads `name`, checks it is at `expectedVersion`, applies `mutate`, and writes it as the next version.
    ///
    /// `notFound` if there is no such document; `conflict` if it is not (or no
    /// longer, when the write lands) at `expectedVersion`. `mutate` must not rename it.
    public func update(_ name: String, expectedVersion: Int, _ mutate: (inout Document) throws -> Void)
        async throws -> Document
    {
        guard var document = try await get(name) else {
            throw StoreError.notFound(collection: collection.name, name: name)
        }
        guard document.version == expectedVersion else {
            throw StoreError.conflict(
                collection: collection.name, name: name, expectedVersion: expectedVersion,
                actualVersion: document.version)
        }
        try mutate(&document)
        guard document.name == name else {
            throw StoreError.invalidArgument("an update may not rename \"\(name)\" to \"\(document.name)\"")
        }
        document.version = expectedVersion
        return try await replace(document)
    }

    /// Writes `document` over the stored one if the stored version is still
    /// `document.version`; returns it with the version bumped.
    public func replace(_ document: Document) async throws -> Document {
        var next = document
        next.version = document.version + 1
        let filter: BSONValue = [fields.name: .string(document.name), fields.version: .int(document.version)]
        // Safe to retry after a broken connection: once applied, the filter's version no longer
        // matches, so a second attempt changes nothing (at worst it reports a conflict for a write
        // that landed, and the caller reads again; it never applies a stale write).
        let result = try await collection.replaceOne(filter, with: next, idempotent: true)
        if result.matchedCount > 0 { return next }
        guard let current = try await get(document.name) else {
            throw StoreError.notFound(collection: collection.name, name: document.name)
        }
        throw StoreError.conflict(
            collection: collection.name, name: document.name, expectedVersion: document.version,
            actualVersion: current.version)
    }

    /// Removes `name`; returns whether it was there. (Jobs are canceled rather than deleted; this is for tests and tools.)
    @discardableResult
    public func delete(_ name: String) async throws -> Bool {
        try await collection.delete([fields.name: .string(name)]) > 0
    }
}

/// One page of a list, and the token for the next (nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var continueToken: String?

    public init(items: [Item], continueToken: String?) {
        self.items = items
        self.continueToken = continueToken
    }
}
