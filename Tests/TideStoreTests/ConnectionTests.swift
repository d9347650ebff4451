import Foundation
import Testing
@testable import TideStore
import CMongoC
import TideTestSupport

@Suite struct ConnectionTests {
    @Test(arguments: ["not a uri", "http://127.0.0.1:27017", "mongodb://", "mongodb://127.0.0.1:99999/"])
    func aMalformedURIIsAClearError(uri: String) async throws {
        let error = await #expect(throws: StoreError.self) { try await MongoStore.connect(uri: uri) }
        guard case .invalidURI(let reported, let reason) = error else {
            Issue.record("expected invalidURI, got \(String(describing: error))")
            return
        }
        #expect(reported == uri)
        #expect(!reason.isEmpty)
        #expect(error?.description.hasPrefix("invalid MongoDB URI \"\(uri)\"") == true)
    }

    @Test func aPasswordNeverAppearsInAnError() async throws {
        let error = await #expect(throws: StoreError.self) {
            try await MongoStore.connect(uri: "mongodb://tide:hunter2@127.0.0.1:notaport/")
        }
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.description.contains("tide:***@") == true)
    }

    @Test func aBadDatabaseNameIsRefused() async throws {
        await #expect(throws: StoreError.self) {
            try await MongoStore.connect(uri: TestServers.mongoURI, database: "a.b")
        }
        await #expect(throws: StoreError.self) { try await MongoStore.connect(uri: TestServers.mongoURI, database: "") }
    }

    /// Port 1 on loopback: nothing listens there and nobody may bind it without root.
    @Test func nothingListeningFailsInBoundedTime() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: StoreError.self) {
            try await MongoStore.connect(uri: "mongodb://127.0.0.1:1/?directConnection=true")
        }
        let elapsed = clock.now - start
        guard case .unavailable(let operation, let detail) = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        #expect(operation.contains("127.0.0.1:1"))
        #expect(!detail.isEmpty)
        #expect(elapsed < .seconds(60), "took \(elapsed)")
    }

    @Test func aClosedStoreRefusesOperations() async throws {
        let store = try await MongoStore.connect(uri: TestServers.mongoURI, database: TestServers.uniqueName("closed"))
        try await store.ping()
        await store.close()
        await store.close()  // twice is fine
        await #expect(throws: StoreError.closed) { try await store.ping() }
        await #expect(throws: StoreError.closed) { try await store.collection("x", of: Item.self).count() }
    }

    /// The shared server was started with --sync-on-commit (without it a crash loses acknowledged writes).
    @Test func theSharedServerSyncsOnCommit() throws {
        let uri = try TestServers.mongoURI
        let lastPart = try #require(uri.split(separator: ":").last)
        let port = lastPart.prefix { $0.isNumber }
        let commandLines = try FileManager.default.contentsOfDirectory(atPath: "/proc")
            .filter { $0.allSatisfy(\.isNumber) }
            .compactMap { pid in try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) }
            .map { $0.split(separator: 0).map { String(decoding: $0, as: UTF8.self) } }
        let server = try #require(
            commandLines.first { arguments in
                arguments.contains("--storage-path")
                    && zip(arguments, arguments.dropFirst()).contains { $0 == "--port" && $1 == String(port) }
            }, "no SecantusDB process serves port \(port)")
        #expect(server.contains("--sync-on-commit"))
    }
}

/// Writes ask for journal acknowledgement unless the URI says otherwise.
@Suite struct WriteConcernTests {
    @Test func writesAreJournaledByDefault() throws {
        let uri = try MongoURI.parse(
            "mongodb://127.0.0.1:27017/?directConnection=true", redacted: "", options: MongoStore.Options())
        defer { mongoc_uri_destroy(uri) }
        #expect(mongoc_write_concern_get_journal(mongoc_uri_get_write_concern(uri)))
        #expect(mongoc_uri_get_option_as_int32(uri, "serverSelectionTimeoutMS", 0) == 3000)
    }

    @Test func theURIsOwnSettingsWin() throws {
        let uri = try MongoURI.parse(
            "mongodb://127.0.0.1:27017/?journal=false&serverSelectionTimeoutMS=700", redacted: "",
            options: MongoStore.Options())
        defer { mongoc_uri_destroy(uri) }
        #expect(!mongoc_write_concern_get_journal(mongoc_uri_get_write_concern(uri)))
        #expect(mongoc_uri_get_option_as_int32(uri, "serverSelectionTimeoutMS", 0) == 700)
    }
}
