import Foundation
import Testing
@testable import TideStore

/// Every kind of value a Tide document holds.
struct Sample: Codable, Equatable, Sendable {
    struct Inner: Codable, Equatable, Sendable {
        var label: String
        var weights: [Double]
        var seen: Date?
    }
    var name: String
    var createdAt: Date
    var early: Date
    var far: Date
    var count: Int
    var small: Int32
    var big: Int64
    var extremes: [Int64]
    var ratio: Double
    var whole: Double
    var flags: [Bool]
    var missing: String?
    var present: Int?
    var inner: Inner
    var list: [Inner]
    var table: [String: Int]
    var nested: [String: [String: String]]
    var empty: [String]

    static let value = Sample(
        name: "Ωμέγα 🚀 中文 \"quoted\" back\\slash a/b\nnew line\ttab \u{1}",
        createdAt: millisecondDate(1_763_000_000_123),
        early: millisecondDate(-86_400_001),  // before 1970
        far: millisecondDate(253_402_300_799_999),  // 9999-12-31T23:59:59.999Z, the last date SecantusDB takes
        count: 42, small: -7, big: 1 << 40, extremes: [Int64.max, Int64.min, Int64(Int32.max) + 1],
        ratio: 0.1, whole: 3.0, flags: [true, false], missing: nil, present: 0,
        inner: Inner(label: "x", weights: [1.5, -2.25e300, Double.leastNonzeroMagnitude], seen: millisecondDate(1)),
        list: [Inner(label: "a", weights: [], seen: nil), Inner(label: "b", weights: [0], seen: millisecondDate(2))],
        table: ["one": 1, "two": 2, "ünï": 3], nested: ["a": ["b": "c"]], empty: [])
}

struct LooseDocument: Codable, Sendable {
    var name: String
    var count: String
}

struct StrictDocument: Codable, Sendable {
    var name: String
    var count: Int
}

@Suite struct BSONCoderTests {
    /// Through libbson without a server: JSON → bson_t → relaxed JSON → value.
    @Test func roundTripThroughLibbson() throws {
        let json = try BSONCoder.encode(Sample.value)
        let relaxed = try BSONDocument(json: json).relaxedJSON
        let back = try BSONCoder.decode(Sample.self, from: relaxed)
        #expect(back == Sample.value)
        // Past year 9999 libbson writes more year digits (the server refuses such dates, libbson does not).
        struct Stamp: Codable, Equatable { var at: Date }
        let future = Stamp(at: millisecondDate(300_000_000_000_456))
        let futureJSON = try BSONDocument(json: try BSONCoder.encode(future)).relaxedJSON
        #expect(try BSONCoder.decode(Stamp.self, from: futureJSON) == future)
        // nil is omitted, not stored as null.
        #expect(!relaxed.contains("\"missing\""))
        #expect(relaxed.contains("\"present\""))
    }

    @Test func roundTripThroughTheServer() async throws {
        try await withStore(schema: false) { store in
            let samples = store.collection("samples", of: Sample.self)
            try await samples.insert(Sample.value)
            let back = try #require(try await samples.findOne(["name": .string(Sample.value.name)]))
            #expect(back == Sample.value)
            #expect(back.createdAt.timeIntervalSince1970 == 1_763_000_000.123)
            #expect(back.big == 1_099_511_627_776)
        }
    }

    /// Dates and big integers are stored as BSON dates and numbers, so the server can compare them.
    @Test func datesAndIntegersAreBSONTypesOnTheServer() async throws {
        try await withStore(schema: false) { store in
            let samples = store.collection("samples", of: Sample.self)
            try await samples.insert(Sample.value)
            let created = Sample.value.createdAt
            #expect(try await samples.count(["createdAt": ["$gt": .date(created.addingTimeInterval(-0.001))]]) == 1)
            #expect(try await samples.count(["createdAt": ["$gt": .date(created)]]) == 0)
            #expect(try await samples.count(["big": ["$gt": .int(Int64(1) << 39)]]) == 1)
            #expect(try await samples.count(["missing": ["$exists": true]]) == 0)
        }
    }

    @Test func subMillisecondDatesRoundToTheMillisecond() throws {
        struct Stamp: Codable { var at: Date }
        let precise = Date(timeIntervalSince1970: 1_700_000_000.123_456)
        let json = try BSONDocument(json: try BSONCoder.encode(Stamp(at: precise))).relaxedJSON
        let back = try BSONCoder.decode(Stamp.self, from: json)
        #expect(back.at == millisecondDate(1_700_000_000_123))
    }

    @Test func bothRelaxedAndCanonicalDatesDecode() throws {
        struct Stamp: Codable { var at: Date }
        let iso = try BSONCoder.decode(Stamp.self, from: #"{"at": {"$date": "2025-03-04T05:06:07.089Z"}}"#)
        let whole = try BSONCoder.decode(Stamp.self, from: #"{"at": {"$date": "2025-03-04T05:06:07Z"}}"#)
        let offset = try BSONCoder.decode(Stamp.self, from: #"{"at": {"$date": "2025-03-04T07:06:07.089+02:00"}}"#)
        let long = try BSONCoder.decode(Stamp.self, from: #"{"at": {"$date": {"$numberLong": "1741064767089"}}}"#)
        #expect(iso.at == millisecondDate(1_741_064_767_089))
        #expect(whole.at == millisecondDate(1_741_064_767_000))
        #expect(offset.at == iso.at)
        #expect(long.at == iso.at)
        #expect(throws: BSONCodingError.self) {
            try BSONCoder.decode(Stamp.self, from: #"{"at": {"$date": "yesterday"}}"#)
        }
    }

    @Test func aValueThatIsNotADocumentIsRefused() {
        #expect(throws: BSONCodingError.self) { try BSONCoder.encode([1, 2, 3]) }
        struct Measured: Codable { var speedup: Double }
        let error = #expect(throws: BSONCodingError.self) { try BSONCoder.encode(Measured(speedup: .nan)) }
        #expect(error?.description.contains("`speedup`") == true)
    }

    @Test func aStoredDocumentThatDoesNotDecodeNamesCollectionAndField() async throws {
        try await withStore(schema: false) { store in
            try await store.collection("mixed", of: LooseDocument.self).insert(LooseDocument(name: "odd", count: "x"))
            let strict = store.collection("mixed", of: StrictDocument.self)
            let error = await #expect(throws: StoreError.self) { try await strict.find() }
            guard case .decoding(let collection, let detail) = error else {
                Issue.record("expected a decoding error, got \(String(describing: error))")
                return
            }
            #expect(collection == "mixed")
            #expect(detail.contains("`count`"))
            #expect(detail.contains("\"odd\""))
            #expect(error?.description.contains("mixed") == true)
        }
    }

    @Test func aMissingFieldIsNamedWithItsPath() throws {
        let error = #expect(throws: BSONCodingError.self) {
            try BSONCoder.decode(TestJob.self, from: #"{"metadata": {"name": "a", "version": 1}}"#)
        }
        #expect(error?.description == "missing field `metadata.createdAt`")
    }
}
