/// Why a store operation failed, in words a user can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection string does not parse (the password, if any, is masked).
    case invalidURI(uri: String, reason: String)
    /// The server could not be reached within the store's retry window.
    case unavailable(operation: String, detail: String)
    /// A document with the same unique key (e.g. the same name) is already stored.
    case alreadyExists(collection: String, key: String)
    /// No document with this name is stored.
    case notFound(collection: String, name: String)
    /// The document changed since the caller read it: a write from a stale version is refused.
    case conflict(collection: String, name: String, expectedVersion: Int, actualVersion: Int)
    /// A stored document does not decode into the expected type.
    case decoding(collection: String, detail: String)
    /// A value does not encode as a MongoDB document.
    case encoding(collection: String, detail: String)
    /// A `continue` token that this store did not issue, or issued for another query.
    case invalidContinueToken(String)
    /// An argument the store refuses (a limit out of range, a renamed document...).
    case invalidArgument(String)
    /// The server refused the operation.
    case server(operation: String, code: Int, message: String)
    /// The store was closed.
    case closed

    public var description: String {
        switch self {
        case .invalidURI(let uri, let reason):
            return "invalid MongoDB URI \"\(uri)\": \(reason)"
        case .unavailable(let operation, let detail):
            return "MongoDB is unavailable (\(operation)): \(detail)"
        case .alreadyExists(let collection, let key):
            return "\(collection): \(key) already exists"
        case .notFound(let collection, let name):
            return "\(collection): no document named \"\(name)\""
        case .conflict(let collection, let name, let expected, let actual):
            return "\(collection): \"\(name)\" was changed by another writer"
                + " (expected version \(expected), stored version \(actual)); read it again and retry"
        case .decoding(let collection, let detail):
            return "\(collection): a stored document does not decode: \(detail)"
        case .encoding(let collection, let detail):
            return "\(collection): the document does not encode: \(detail)"
        case .invalidContinueToken(let detail):
            return "invalid continue token: \(detail)"
        case .invalidArgument(let detail):
            return "invalid argument: \(detail)"
        case .server(let operation, let code, let message):
            return "MongoDB refused \(operation) (code \(code)): \(message)"
        case .closed:
            return "the store is closed"
        }
    }
}
