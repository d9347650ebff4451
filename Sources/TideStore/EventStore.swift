import CMongoC
import Foundation

/// An event about one job: what the `events` collection holds, one document each.
///
/// Must encode as a keyed container without an `_id` key (the store adds it).
public protocol JobEvent: Codable, Sendable {
    /// The job's stored name.
    var job: String { get }
    /// When it happened (stored as a BSON date, to the millisecond).
    var time: Date { get }
}

/// The append-only event log: one document per event, never an array growing inside a job.
public struct EventStore<Event: JobEvent>: Sendable {
    public let collection: MongoCollection<RecordedEvent<Event>>

    /// The store over `collectionName` (normally `StoreSchema.events`).
    public init(_ store: MongoStore, collection collectionName: String = StoreSchema.events) {
        collection = store.collection(collectionName)
    }

    /// Appends `event` and returns it with its id (an ObjectId, increasing within this process).
    @discardableResult
    public func append(_ event: Event) async throws -> RecordedEvent<Event> {
        let recorded = RecordedEvent(id: RecordedEvent<Event>.newID(), event: event)
        try await collection.insert(recorded)
        return recorded
    }

    /// Appends `event` under an id derived from `key` (`RecordedEvent.derivedID`), once: an
    /// event already recorded under it is left as it is. For an event several requests may
    /// record, such as a job's creation answered to each resend of its create.
    public func appendOnce(_ event: Event, key: String) async throws {
        let recorded = RecordedEvent(id: RecordedEvent<Event>.derivedID(at: event.time, key: key), event: event)
        do {
            try await collection.insert(recorded)
        } catch StoreError.alreadyExists {
            return
        }
    }

    /// Events of `job` in time order (ties by id), from `since` (inclusive) on, at most `limit`.
    public func list(job: String, since: Date? = nil, limit: Int = 1000) async throws -> [RecordedEvent<Event>] {
        var filter: [(String, BSONValue)] = [("job", .string(job))]
        if let since { filter.append(("time", ["$gte": .date(since)])) }
        return try await find(.document(filter), limit: limit)
    }

    /// The events of the same job that follow `last` (a page's last event), at most `limit`.
    public func list(after last: RecordedEvent<Event>, limit: Int = 1000) async throws -> [RecordedEvent<Event>] {
        let time = BSONValue.date(last.event.time)
        let filter: BSONValue = [
            "job": .string(last.event.job),
            "$or": [["time": ["$gt": time]], ["time": time, "_id": ["$gt": .objectID(last.id)]]],
        ]
        return try await find(filter, limit: limit)
    }

    private func find(_ filter: BSONValue, limit: Int) async throws -> [RecordedEvent<Event>] {
        guard limit >= 1 else { throw StoreError.invalidArgument("limit must be at least 1, not \(limit)") }
        return try await collection.find(filter, sort: [SortKey("time"), SortKey("_id")], limit: limit)
    }
}

/// An event as stored: its id (hex ObjectId) and the event, flattened into one document.
public struct RecordedEvent<Event: JobEvent>: Codable, Sendable {
    public let id: String
    public let event: Event

    private enum Keys: String, CodingKey { case id = "_id", oid = "$oid" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.nestedContainer(keyedBy: Keys.self, forKey: .id).decode(String.self, forKey: .oid)
        event = try Event(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try event.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        var id = container.nestedContainer(keyedBy: Keys.self, forKey: .id)
        try id.encode(self.id, forKey: .oid)
    }

    init(id: String, event: Event) {
        self.id = id
        self.event = event
    }

    /// An ObjectId whose first four bytes are `time`'s seconds, as a fresh one's are (ids order
    /// events of one time), and the rest FNV-1a of `key`: the same for every writer of the event.
    static func derivedID(at time: Date, key: String) -> String {
        let hash = FNV1a.hash(key.utf8)
        let seconds = UInt32(clamping: Int64(time.timeIntervalSince1970.rounded(.down)))
        return String(format: "%08x%016llx", seconds, hash)
    }

    /// A fresh ObjectId: seconds, a per-process random part, and a counter.
    static func newID() -> String {
        var oid = bson_oid_t()
        bson_oid_init(&oid, nil)
        var text = [CChar](repeating: 0, count: 25)
        bson_oid_to_string(&oid, &text)
        return String(decoding: text.prefix(24).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
