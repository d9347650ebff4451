import CMongoC

/// A heap-allocated `bson_t` this value owns and destroys.
///
/// Debian's libbson aligns `bson_t` to 128 bytes, which Swift cannot place on
/// its stack, so documents are made by `bson_new_from_json` and replies are
/// written into aligned heap storage (`withReply`). Not `Sendable`: a
/// document lives inside one blocking call on one worker thread.
final class BSONDocument {
    let pointer: OpaquePointer

    /// Parses MongoDB extended JSON (canonical or relaxed).
    init(json: String) throws(MongoCallError) {
        var error = bson_error_t()
        var utf8 = Array(json.utf8)
        if utf8.isEmpty { utf8 = Array("{}".utf8) }
        guard let document = bson_new_from_json(&utf8, utf8.count, &error) else {
            throw MongoCallError(error)
        }
        pointer = document
    }

    deinit { bson_destroy(pointer) }

    /// The document as relaxed extended JSON: plain numbers, ISO-8601 dates in 1970...9999.
    var relaxedJSON: String { Self.relaxedJSON(of: pointer) }

    /// Relaxed extended JSON of a document this value does not own (a cursor's current document).
    static func relaxedJSON(of document: OpaquePointer) -> String {
        var length = 0
        guard let text = bson_as_relaxed_extended_json(document, &length) else { return "{}" }
        defer { bson_free(text) }
        return String(cString: text)
    }

    /// Runs `body` with 128-byte-aligned heap storage for a reply
    /// document that libmongoc fills, and returns the reply as relaxed JSON.
    static func withReply<R>(_ body: (OpaquePointer) throws -> R) rethrows -> (R, String) {
        // sizeof(bson_t) is 128 whatever the build flags; the alignment is the point.
        let storage = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        defer { storage.deallocate() }
        let reply = OpaquePointer(storage)
        // Initialised here too, so the reply is a valid empty document on every path
        // (libmongoc re-initialising an empty inline document leaks nothing).
        bson_init(reply)
        defer { bson_destroy(reply) }
        let result = try body(reply)
        return (result, relaxedJSON(of: reply))
    }
}
