import CMongoC

/// A `mongoc_client_pool_t` with the URI it was made from.
///
/// `@unchecked Sendable`: libmongoc documents the pool as thread-safe (pop and
/// push lock internally); each popped client is used by one worker thread at a
/// time and pushed back. `destroy` runs once, after the executor has stopped.
final class ClientPool: @unchecked Sendable {
    private let pool: OpaquePointer
    private let uri: OpaquePointer

    init(uri: OpaquePointer, maxSize: Int) throws(MongoCallError) {
        var error = bson_error_t()
        guard let pool = mongoc_client_pool_new_with_error(uri, &error) else {
            mongoc_uri_destroy(uri)
            throw MongoCallError(error)
        }
        self.pool = pool
        self.uri = uri
        mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        mongoc_client_pool_max_size(pool, UInt32(maxSize))
        _ = mongoc_client_pool_set_appname(pool, "tide")
    }

    /// Runs `body` with a client of the pool (blocking; call on a worker thread).
    func withClient<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        let client = mongoc_client_pool_pop(pool)!
        defer { mongoc_client_pool_push(pool, client) }
        return try body(client)
    }

    func destroy() {
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }
}
