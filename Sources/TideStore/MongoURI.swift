import CMongoC

/// Parses a connection string and fills in the store's defaults.
enum MongoURI {
    /// A `mongoc_uri_t` the caller owns, with journaled writes and the store's timeouts
    /// (unless the URI sets its own).
    static func parse(_ text: String, redacted: String, options: MongoStore.Options) throws -> OpaquePointer {
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw StoreError.invalidURI(uri: redacted, reason: MongoCallError(error).message)
        }
        setDefault(uri, "serverSelectionTimeoutMS", options.serverSelectionTimeout)
        setDefault(uri, "connectTimeoutMS", options.connectTimeout)
        // j: true on every write: acknowledged means on disk. Explicit w or journal in the URI win.
        if !mongoc_uri_has_option(uri, "journal") {
            let concern = mongoc_write_concern_copy(mongoc_uri_get_write_concern(uri))
            mongoc_write_concern_set_journal(concern, true)
            mongoc_uri_set_write_concern(uri, concern)
            mongoc_write_concern_destroy(concern)
        }
        return uri
    }

    private static func setDefault(_ uri: OpaquePointer, _ key: String, _ value: Duration) {
        guard !mongoc_uri_has_option(uri, key) else { return }
        let milliseconds = value.components.seconds * 1000 + value.components.attoseconds / 1_000_000_000_000_000
        _ = mongoc_uri_set_option_as_int32(uri, key, Int32(clamping: max(milliseconds, 1)))
    }
}
