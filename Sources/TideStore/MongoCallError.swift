import CMongoC

/// A libmongoc or libbson failure, as its `bson_error_t` reported it.
///
/// Internal: the store maps it to a `StoreError` once it knows the operation
/// and whether a retry is worth it.
struct MongoCallError: Error, Sendable {
    var domain: UInt32
    var code: UInt32
    var message: String

    init(_ error: bson_error_t) {
        var copy = error
        domain = error.domain
        code = error.code
        message = withUnsafeBytes(of: &copy.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    init(domain: UInt32, code: UInt32, message: String) {
        self.domain = domain
        self.code = code
        self.message = message
    }

    /// No server could be selected: the operation was never sent, so any operation may be retried.
    var isServerSelection: Bool { domain == MONGOC_ERROR_SERVER_SELECTION.rawValue }

    /// The connection broke: the operation may or may not have reached the server.
    var isConnection: Bool {
        domain == MONGOC_ERROR_STREAM.rawValue
            || (domain == MONGOC_ERROR_CLIENT.rawValue && code == MONGOC_ERROR_CLIENT_NOT_READY.rawValue)
    }

    /// A unique index refused the write (E11000 and its legacy forms).
    var isDuplicateKey: Bool { [11000, 11001, 12582].contains(code) }

    /// The public error for a failure of `operation` on `collection`.
    func storeError(operation: String) -> StoreError {
        if isServerSelection || isConnection {
            return .unavailable(operation: operation, detail: message)
        }
        return .server(operation: operation, code: Int(code), message: message)
    }
}
