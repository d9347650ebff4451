import CMongoC
import Logging

/// Process-wide libmongoc set-up: `mongoc_init` once, and its log lines routed to swift-log.
enum MongoRuntime {
    static let logger = Logger(label: "tide.store.mongoc")

    /// Touch before any other libmongoc call; Swift runs a global's initialiser exactly once.
    static let initialized: Void = {
        mongoc_init()
        mongoc_log_set_handler({ level, domain, message, _ in
            let text = "\(domain.map { String(cString: $0) } ?? "mongoc"): \(message.map { String(cString: $0) } ?? "")"
            switch level {
            case MONGOC_LOG_LEVEL_ERROR, MONGOC_LOG_LEVEL_CRITICAL: MongoRuntime.logger.error("\(text)")
            case MONGOC_LOG_LEVEL_WARNING: MongoRuntime.logger.warning("\(text)")
            case MONGOC_LOG_LEVEL_MESSAGE, MONGOC_LOG_LEVEL_INFO: MongoRuntime.logger.info("\(text)")
            default: break  // debug and trace: libmongoc's own tracing, too chatty to forward
            }
        }, nil)
    }()
}
