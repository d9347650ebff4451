import CMongoC
import Logging

/// A connection to one MongoDB database: a libmongoc client pool, and worker
/// threads that run its blocking calls off Swift's cooperative pool.
///
/// Writes are acknowledged with journal (`j: true`). An operation that finds
/// the server unreachable is retried with back-off for `retryWindow` when a
/// retry cannot apply it twice (no server was selected, or the operation is
/// idempotent), so the first call after a server restart succeeds once the
/// server is back. Call `close()` when done.
public final class MongoStore: Sendable {
    /// Tuning knobs; the defaults suit the services and tests.
    public struct Options: Sendable {
        /// Worker threads, and the most clients (connections) the pool opens.
        public var threads: Int = 8
        /// How long one attempt waits for a reachable server (unless the URI sets `serverSelectionTimeoutMS`).
        public var serverSelectionTimeout: Duration = .seconds(3)
        /// How long one TCP connect may take (unless the URI sets `connectTimeoutMS`).
        public var connectTimeout: Duration = .seconds(2)
        /// How long an operation keeps retrying while the server is unreachable.
        public var retryWindow: Duration = .seconds(15)
        public var logger = Logger(label: "tide.store")

        public init() {}
    }

    /// The database every collection of this store lives in (`tide` unless told otherwise).
    public let databaseName: String
    /// The URI with any password masked, for messages.
    public let redactedURI: String
    let options: Options
    private let pool: ClientPool
    private let executor: BlockingExecutor

    private init(databaseName: String, redactedURI: String, options: Options, pool: ClientPool) {
        self.databaseName = databaseName
        self.redactedURI = redactedURI
        self.options = options
        self.pool = pool
        executor = BlockingExecutor(threads: options.threads, name: "tide-mongo")
    }

    /// Parses `uri`, opens a client pool and checks the server answers `ping`.
    ///
    /// Throws `invalidURI` for a URI that does not parse, `invalidArgument` for
    /// a bad database name, and `unavailable` when no server answers within
    /// `options.serverSelectionTimeout` (this check is not retried).
    public static func connect(uri: String, database: String = "tide", options: Options = Options()) async throws
        -> MongoStore
    {
        MongoRuntime.initialized
        let redacted = redact(uri)
        try validateDatabaseName(database)
        let parsed = try MongoURI.parse(uri, redacted: redacted, options: options)
        let pool: ClientPool
        do {
            pool = try ClientPool(uri: parsed, maxSize: options.threads)
        } catch {
            throw StoreError.invalidURI(uri: redacted, reason: error.message)
        }
        let store = MongoStore(databaseName: database, redactedURI: redacted, options: options, pool: pool)
        do {
            try await store.ping(retrying: false)
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Checks the server answers; `retrying` lets it wait out a restart.
    public func ping(retrying: Bool = true) async throws {
        let database = databaseName
        try await perform("ping \(redactedURI)", idempotent: true, retrying: retrying) { client in
            let command = try BSONDocument(json: #"{"ping": 1}"#)
            var error = bson_error_t()
            let (ok, _) = BSONDocument.withReply { reply in
                mongoc_client_command_simple(client, database, command.pointer, nil, reply, &error)
            }
            if !ok { throw MongoCallError(error) }
        }
    }

    /// Finishes the operations already queued, then closes every connection. Later calls throw `closed`.
    public func close() async {
        let pool = self.pool
        await executor.shutdown { pool.destroy() }
    }

    /// A handle on collection `name` whose documents are `Document`.
    public func collection<Document: Codable & Sendable>(_ name: String, of type: Document.Type = Document.self)
        -> MongoCollection<Document>
    {
        MongoCollection(store: self, name: name)
    }

    /// Runs `body` with a pooled client on a worker thread, retrying while the server is unreachable.
    ///
    /// `body` throws `MongoCallError` for libmongoc failures (mapped and maybe
    /// retried here) or a `StoreError` it already made (passed through).
    /// `idempotent`: running `body` twice has the effect of once, so a broken
    /// connection (the call may have reached the server) can be retried too.
    func perform<T: Sendable>(
        _ operation: String, idempotent: Bool, retrying: Bool = true,
        _ body: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + options.retryWindow
        var delay = Duration.milliseconds(50)
        let pool = self.pool
        while true {
            do {
                return try await executor.run { try pool.withClient(body) }
            } catch let error as MongoCallError {
                let worthRetrying = error.isServerSelection || (idempotent && error.isConnection)
                guard retrying, worthRetrying, clock.now + delay < deadline else {
                    throw error.storeError(operation: operation)
                }
                options.logger.warning(
                    "MongoDB unreachable, retrying",
                    metadata: ["operation": "\(operation)", "error": "\(error.message)", "delay": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            }
        }
    }

    static func validateDatabaseName(_ name: String) throws {
        let forbidden = Set("/\\. \"$*<>:|?")
        guard !name.isEmpty, name.utf8.count < 64, !name.contains(where: { forbidden.contains($0) || $0 == "\0" })
        else {
            throw StoreError.invalidArgument(
                "database name \"\(name)\" must be 1 to 63 bytes without / \\ . space \" $ * < > : | ?")
        }
    }

    /// `mongodb://user:secret@host` → `mongodb://user:***@host`.
    static func redact(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
            let colon = rest[..<at].firstIndex(of: ":")
        else { return uri }
        return String(uri[..<rest.index(after: colon)]) + "***" + String(uri[at...])
    }
}
