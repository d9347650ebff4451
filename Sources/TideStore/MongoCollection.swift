import CMongoC
import Foundation

/// A collection of `Document`s: Codable values stored through extended JSON (`BSONCoder`).
///
/// Filters, sorts and updates are `BSONValue`s with dotted field paths, e.g.
/// `["spec.accelerator": "v100"]`. Every call runs on the store's worker threads.
public struct MongoCollection<Document: Codable & Sendable>: Sendable {
    public let store: MongoStore
    public let name: String

    init(store: MongoStore, name: String) {
        self.store = store
        self.name = name
    }

    /// Inserts one document. A unique index it violates gives `alreadyExists`.
    public func insert(_ document: Document) async throws {
        let json = try encode(document)
        let name = self.name
        // Not retried after a broken connection: the insert may have happened (libmongoc's
        // retryable writes already cover that case once, with the server's help).
        try await perform("insert into \(name)", idempotent: false) { collection in
            let document = try BSONDocument(json: json)
            var error = bson_error_t()
            guard mongoc_collection_insert_one(collection, document.pointer, nil, nil, &error) else {
                let failure = MongoCallError(error)
                if failure.isDuplicateKey { throw StoreError.alreadyExists(collection: name, key: failure.message) }
                throw failure
            }
        }
    }

    /// The first document matching `filter` (in `sort` order), or nil.
    public func findOne(_ filter: BSONValue = [:], sort: [SortKey] = []) async throws -> Document? {
        try await find(filter, sort: sort, limit: 1).first
    }

    /// The documents matching `filter`, in `sort` order, after skipping `skip`, at most `limit`.
    public func find(_ filter: BSONValue = [:], sort: [SortKey] = [], limit: Int? = nil, skip: Int = 0)
        async throws -> [Document]
    {
        try await findJSON(filter, sort: sort, limit: limit, skip: skip).map(decode)
    }

    /// How many documents match `filter`.
    public func count(_ filter: BSONValue = [:]) async throws -> Int {
        let filter = filter.extendedJSON
        return try await perform("count \(name)", idempotent: true) { collection in
            let document = try BSONDocument(json: filter)
            var error = bson_error_t()
            let count = mongoc_collection_count_documents(collection, document.pointer, nil, nil, nil, &error)
            guard count >= 0 else { throw MongoCallError(error) }
            return Int(count)
        }
    }

    /// Applies an update document (`["$set": [...]]`) to the first match.
    public func updateOne(_ filter: BSONValue, _ update: BSONValue) async throws -> UpdateResult {
        let (filter, update) = (filter.extendedJSON, update.extendedJSON)
        let name = self.name
        return try await perform("update \(name)", idempotent: false) { collection in
            let (selector, change) = (try BSONDocument(json: filter), try BSONDocument(json: update))
            var error = bson_error_t()
            let (ok, reply) = BSONDocument.withReply { reply in
                mongoc_collection_update_one(collection, selector.pointer, change.pointer, nil, reply, &error)
            }
            return try Self.result(ok, error, reply, name: name)
        }
    }

    /// Applies `$set` of `fields` to the document matching `filter`, creating
    /// it (with the filter's equalities) if none matches. Idempotent, so it
    /// is retried after a broken connection.
    public func upsert(_ filter: BSONValue, set fields: BSONValue) async throws {
        try await upsert(filter, update: BSONValue.document([("$set", fields)]).extendedJSON)
    }

    /// Sets top-level `fields` of the document matching `filter` to encoded
    /// values (each a keyed container: a BSON document) and those of `values` as they are,
    /// creating the document (with the filter's equalities) if none matches. Setting the
    /// same values again changes nothing, so it is retried after a broken connection.
    public func upsertFields(
        _ filter: BSONValue, set fields: [(String, any Encodable & Sendable)], values: [(String, BSONValue)] = []
    ) async throws {
        var update = #"{"$set":{"#
        for (offset, (field, value)) in fields.enumerated() {
            if offset > 0 { update += "," }
            update += BSONValue.string(field).extendedJSON + ":"
            do {
                update += try BSONCoder.encode(value)
            } catch {
                throw StoreError.encoding(collection: name, detail: "\(field): \(error.description)")
            }
        }
        for (offset, (field, value)) in values.enumerated() {
            if offset > 0 || !fields.isEmpty { update += "," }
            update += BSONValue.string(field).extendedJSON + ":" + value.extendedJSON
        }
        update += "}}"
        try await upsert(filter, update: update)
    }

    private func upsert(_ filter: BSONValue, update: String) async throws {
        let (filter, change, name) = (filter.extendedJSON, update, self.name)
        _ = try await perform("upsert in \(name)", idempotent: true) { collection in
            let (selector, document) = (try BSONDocument(json: filter), try BSONDocument(json: change))
            let options = try BSONDocument(json: #"{"upsert":true}"#)
            var error = bson_error_t()
            let (ok, reply) = BSONDocument.withReply { reply in
                mongoc_collection_update_one(collection, selector.pointer, document.pointer, options.pointer, reply, &error)
            }
            return try Self.result(ok, error, reply, name: name)
        }
    }

    /// Applies an update document to every match (e.g. clearing a flag on a batch of documents).
    public func updateMany(_ filter: BSONValue, _ update: BSONValue) async throws -> UpdateResult {
        let (filter, update) = (filter.extendedJSON, update.extendedJSON)
        let name = self.name
        return try await perform("update many in \(name)", idempotent: false) { collection in
            let (selector, change) = (try BSONDocument(json: filter), try BSONDocument(json: update))
            var error = bson_error_t()
            let (ok, reply) = BSONDocument.withReply { reply in
                mongoc_collection_update_many(collection, selector.pointer, change.pointer, nil, reply, &error)
            }
            return try Self.result(ok, error, reply, name: name)
        }
    }

    /// Replaces the first match with `document` (its `_id` is kept).
    ///
    /// `idempotent`: the caller knows a second application changes nothing
    /// (e.g. the filter pins a version the replacement moves past), so a broken
    /// connection is retried too.
    public func replaceOne(_ filter: BSONValue, with document: Document, idempotent: Bool = false)
        async throws -> UpdateResult
    {
        let (filter, json) = (filter.extendedJSON, try encode(document))
        let name = self.name
        return try await perform("replace in \(name)", idempotent: idempotent) { collection in
            let (selector, replacement) = (try BSONDocument(json: filter), try BSONDocument(json: json))
            var error = bson_error_t()
            let (ok, reply) = BSONDocument.withReply { reply in
                mongoc_collection_replace_one(collection, selector.pointer, replacement.pointer, nil, reply, &error)
            }
            return try Self.result(ok, error, reply, name: name)
        }
    }

    /// Deletes the documents matching `filter` (only the first if `many` is false); returns how many.
    @discardableResult
    public func delete(_ filter: BSONValue, many: Bool = false) async throws -> Int {
        let filter = filter.extendedJSON
        return try await perform("delete from \(name)", idempotent: true) { collection in
            let selector = try BSONDocument(json: filter)
            var error = bson_error_t()
            let (ok, reply) = BSONDocument.withReply { reply in
                many
                    ? mongoc_collection_delete_many(collection, selector.pointer, nil, reply, &error)
                    : mongoc_collection_delete_one(collection, selector.pointer, nil, reply, &error)
            }
            guard ok else { throw MongoCallError(error) }
            return (try? JSONDecoder().decode(DeleteReply.self, from: Data(reply.utf8)))?.deletedCount ?? 0
        }
    }

    /// Creates indexes with the `createIndexes` command; existing identical indexes are left alone.
    public func createIndexes(_ indexes: [IndexModel]) async throws {
        let command: BSONValue = ["createIndexes": .string(name), "indexes": .array(indexes.map(\.document))]
        let json = command.extendedJSON
        let database = store.databaseName
        try await store.perform("createIndexes on \(name)", idempotent: true) { client in
            let document = try BSONDocument(json: json)
            let handle = mongoc_client_get_database(client, database)!
            defer { mongoc_database_destroy(handle) }
            var error = bson_error_t()
            let (ok, _) = BSONDocument.withReply { reply in
                mongoc_database_write_command_with_opts(handle, document.pointer, nil, reply, &error)
            }
            if !ok { throw MongoCallError(error) }
        }
    }

    /// The names of the collection's indexes (empty if the collection does not exist yet).
    public func indexNames() async throws -> [String] {
        let documents = try await perform("listIndexes on \(name)", idempotent: true) { collection in
            let cursor = mongoc_collection_find_indexes_with_opts(collection, nil)!
            return try Self.drain(cursor)
        }
        return documents.compactMap { try? JSONDecoder().decode(IndexName.self, from: Data($0.utf8)).name }
    }

    // MARK: - Shared by the typed stores

    /// Matching documents as relaxed extended JSON, undecoded.
    func findJSON(_ filter: BSONValue, sort: [SortKey], limit: Int?, skip: Int) async throws -> [String] {
        if let limit, limit < 1 { throw StoreError.invalidArgument("limit must be at least 1, not \(limit)") }
        guard skip >= 0 else { throw StoreError.invalidArgument("skip must not be negative, not \(skip)") }
        var options: [(String, BSONValue)] = []
        if !sort.isEmpty { options.append(("sort", SortKey.document(sort))) }
        if let limit { options.append(("limit", .int(limit))) }
        if skip > 0 { options.append(("skip", .int(skip))) }
        let (filter, opts) = (filter.extendedJSON, BSONValue.document(options).extendedJSON)
        return try await perform("find in \(name)", idempotent: true) { collection in
            let (selector, optsDocument) = (try BSONDocument(json: filter), try BSONDocument(json: opts))
            let cursor = mongoc_collection_find_with_opts(collection, selector.pointer, optsDocument.pointer, nil)!
            return try Self.drain(cursor)
        }
    }

    /// Every document of `cursor` as relaxed JSON; destroys the cursor.
    private static func drain(_ cursor: OpaquePointer) throws -> [String] {
        defer { mongoc_cursor_destroy(cursor) }
        var documents: [String] = []
        var current: OpaquePointer?
        while mongoc_cursor_next(cursor, &current), let current {
            documents.append(BSONDocument.relaxedJSON(of: current))
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) { throw MongoCallError(error) }
        return documents
    }

    func encode(_ document: Document) throws -> String {
        do {
            return try BSONCoder.encode(document)
        } catch {
            throw StoreError.encoding(collection: name, detail: error.description)
        }
    }

    func decode(_ json: String) throws -> Document {
        do {
            return try BSONCoder.decode(Document.self, from: json)
        } catch {
            let id = (try? JSONDecoder().decode(IDProbe.self, from: Data(json.utf8)))?.description ?? ""
            throw StoreError.decoding(collection: name, detail: "\(id)\(error.description)")
        }
    }

    private func perform<T: Sendable>(
        _ operation: String, idempotent: Bool, _ body: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        let (database, name) = (store.databaseName, self.name)
        return try await store.perform(operation, idempotent: idempotent) { client in
            let collection = mongoc_client_get_collection(client, database, name)!
            defer { mongoc_collection_destroy(collection) }
            return try body(collection)
        }
    }

    private static func result(_ ok: Bool, _ error: bson_error_t, _ reply: String, name: String) throws
        -> UpdateResult
    {
        guard ok else {
            let failure = MongoCallError(error)
            if failure.isDuplicateKey { throw StoreError.alreadyExists(collection: name, key: failure.message) }
            throw failure
        }
        return (try? JSONDecoder().decode(UpdateResult.self, from: Data(reply.utf8))) ?? UpdateResult()
    }
}

/// What an update or replace did.
public struct UpdateResult: Sendable, Equatable, Decodable {
    /// Documents the filter matched (0 or 1 for a single-document update).
    public var matchedCount = 0
    /// Documents actually changed.
    public var modifiedCount = 0

    public init(matchedCount: Int = 0, modifiedCount: Int = 0) {
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
    }
}

private struct DeleteReply: Decodable { var deletedCount: Int }

private struct IndexName: Decodable { var name: String }

/// The `_id` of a document that failed to decode, for the error message.
private struct IDProbe: Decodable, CustomStringConvertible {
    struct ObjectID: Decodable { var oid: String; enum CodingKeys: String, CodingKey { case oid = "$oid" } }
    var id: ObjectID?
    var name: String?
    enum CodingKeys: String, CodingKey {
        case id = "_id"
        case name
    }
    var description: String {
        if let name { return "document \"\(name)\": " }
        if let id { return "document \(id.oid): " }
        return ""
    }
}

/// An index: its name, keys in order, and whether it is unique.
public struct IndexModel: Sendable, Equatable {
    public var name: String
    public var keys: [SortKey]
    public var unique: Bool

    public init(name: String, keys: [SortKey], unique: Bool = false) {
        self.name = name
        self.keys = keys
        self.unique = unique
    }

    var document: BSONValue {
        var fields: [(String, BSONValue)] = [("key", SortKey.document(keys)), ("name", .string(name))]
        if unique { fields.append(("unique", true)) }
        return .document(fields)
    }
}
