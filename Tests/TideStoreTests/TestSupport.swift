import Foundation
import TideStore
import TideTestSupport

/// A job shaped like the spec's `{metadata, spec, status}`, standing in for the later `Job` type.
struct TestJob: VersionedDocument, Equatable {
    struct Metadata: Codable, Equatable {
        var name: String
        var version: Int
        var createdAt: Date
    }
    struct Workers: Codable, Equatable {
        var min: Int
        var max: Int
    }
    struct Spec: Codable, Equatable {
        var accelerator: String
        var workers: Workers
        var priority: Int
    }
    struct Status: Codable, Equatable {
        var state: String
        var message: String?
    }

    static let fields = DocumentFields.job
    var metadata: Metadata
    var spec: Spec
    var status: Status

    var name: String { metadata.name }
    var version: Int {
        get { metadata.version }
        set { metadata.version = newValue }
    }

    init(_ name: String, accelerator: String = "v100", state: String = "Waiting", createdAt: Date = .now) {
        metadata = Metadata(name: name, version: 0, createdAt: createdAt)
        spec = Spec(accelerator: accelerator, workers: Workers(min: 1, max: 4), priority: 0)
        status = Status(state: state)
    }
}

/// An event of the test job log.
struct TestEvent: JobEvent, Equatable {
    var job: String
    var time: Date
    var kind: String
}

/// A store on the shared test server, in a database of its own that is dropped afterwards.
func withStore<T>(schema: Bool = true, _ body: (MongoStore) async throws -> T) async throws -> T {
    let store = try await MongoStore.connect(uri: TestServers.mongoURI, database: TestServers.uniqueName("store"))
    do {
        if schema { try await store.ensureSchema() }
        let result = try await body(store)
        try? await store.dropDatabase()
        await store.close()
        return result
    } catch {
        try? await store.dropDatabase()
        await store.close()
        throw error
    }
}


/// A date with whole milliseconds, as BSON stores it.
func millisecondDate(_ milliseconds: Int64) -> Date {
    Date(timeIntervalSince1970: Double(milliseconds) / 1000)
}
