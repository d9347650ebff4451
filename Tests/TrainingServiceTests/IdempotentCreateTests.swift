import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TideAPI
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// A create sent with an `Idempotency-Key` stores one job however many times it is sent:
/// a client whose create was answered 503, or got no answer, sends it again safely.
@Suite struct IdempotentCreateTests {
    /// A document of any shape, for counting.
    struct AnyDocument: Codable, Sendable {}

    static func keyed(_ key: String) -> HTTPFields {
        var headers = authHeaders
        headers[HTTPField.Name("Idempotency-Key")!] = key
        return headers
    }

    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    /// A harness whose database takes each job insert 6 s after breaking the connection,
    /// past the second the service looks for it, so the first keyed create of `name` is
    /// answered 503; then `body` with the proxy, the client and the key.
    static func afterALateInsert(
        of name: String, _ body: @escaping @Sendable (Harness, CutProxy, any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let proxy = try await CutProxy.start(
            to: try TestServers.mongoURI, cutting: "insert", on: StoreSchema.jobs, times: 2, landingAfter: .seconds(6))
        let harness = try await Harness.make(mongoURI: proxy.uri)
        try await harness.test { client in
            let key = UUID().uuidString
            let first = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: name), headers: Self.keyed(key))
            #expect(first.status == .serviceUnavailable, "\(first.text)")
            try await body(harness, proxy, client, key)
        }
        await proxy.stop()
        await harness.close()
    }

    /// Until both delayed inserts (libmongoc sends a write twice) have reached the server.
    static func waitForLandings(_ proxy: CutProxy) async throws {
        for _ in 0..<200 where proxy.landings < 2 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(proxy.landings == 2)
    }

    /// Sent again with its key, the create stores the job under the reserved name, and the
    /// late insert is refused as a duplicate.
    @Test func aCreateAnswered503BecauseItsInsertLandedLateIsStoredOnceWhenSentAgain() async throws {
        try await Self.afterALateInsert(of: "late") { harness, proxy, client, key in
            let again = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "late"), headers: Self.keyed(key))
            #expect(again.status == .created, "\(again.text)")
            let job = try again.decode(StoredJob.self)
            #expect(job.name.hasPrefix("late-"))

            try await Self.waitForLandings(proxy)
            try await harness.expectStoredOnce(job, client: client)

            // Sent once more, it is a replay of the stored job.
            let replay = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "late"), headers: Self.keyed(key))
            #expect(replay.status == .created)
            #expect(replay.headers[Self.replayed] == "true")
            #expect(try replay.decode(StoredJob.self).name == job.name)
            #expect(try await harness.jobs.count() == 1)
        }
    }

    /// The insert lands after the service answered 503 and before the resend: the resend
    /// answers with the job and records its creation, which the first request never did.
    @Test func aResendAfterTheLateInsertLandedAnswersTheJobAndRecordsItsCreation() async throws {
        try await Self.afterALateInsert(of: "landed") { harness, proxy, client, key in
            try await Self.waitForLandings(proxy)
            try await Task.sleep(for: .milliseconds(300))
            let again = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "landed"), headers: Self.keyed(key))
            #expect(again.status == .created, "\(again.text)")
            #expect(again.headers[Self.replayed] == "true")
            try await harness.expectStoredOnce(try again.decode(StoredJob.self), client: client)
        }
    }

    /// Four resends at once, as from clients on two replicas: one job, one creation, and
    /// exactly one of the answers says it stored the job.
    @Test func concurrentSendsOfOneKeyStoreOneJob() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let key = UUID().uuidString
            let body = harness.yaml(name: "racing")
            let answers = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<4 { group.addTask { try await send(client, .post, "/v1/jobs", body: body, headers: Self.keyed(key)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == .created }, "\(answers.map(\.status))")
            let names = Set(try answers.map { try $0.decode(StoredJob.self).name })
            #expect(names.count == 1)
            #expect(answers.filter { $0.headers[Self.replayed] == nil }.count == 1)
            try await harness.expectStoredOnce(try answers[0].decode(StoredJob.self), client: client)
        }
        await harness.close()
    }

    @Test func aCreateSentTwiceWithItsKeyAnswersTheSameJobAndPublishesOnce() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let key = UUID().uuidString
            let first = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "twice"), headers: Self.keyed(key))
            #expect(first.status == .created, "\(first.text)")
            #expect(first.headers[Self.replayed] == nil)
            let second = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "twice"), headers: Self.keyed(key))
            #expect(second.status == .created, "\(second.text)")
            #expect(second.headers[Self.replayed] == "true")
            let job = try first.decode(StoredJob.self)
            #expect(try second.decode(StoredJob.self) == job)
            #expect(try await harness.jobs.count() == 1)
            let deliveries = await harness.messages.wait(for: 2, timeout: .seconds(1))
            #expect(deliveries.map(\.properties.messageID) == ["\(job.name)/1/created"])

            // Another key is another job, as is a create without one.
            let other = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "twice"), headers: Self.keyed(UUID().uuidString))
            #expect(other.status == .created)
            #expect(try other.decode(StoredJob.self).name != job.name)
            #expect(try await harness.jobs.count() == 2)
            let unkeyed = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "twice"))
            #expect(unkeyed.status == .created)
            #expect(try await harness.jobs.count() == 3)
        }
        await harness.close()
    }

    @Test func aKeySentAgainWithAnotherDocumentIsRefusedAndNothingIsStored() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let key = UUID().uuidString
            let first = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "first"), headers: Self.keyed(key))
            #expect(first.status == .created)
            let job = try first.decode(StoredJob.self)
            let other = try await send(
                client, .post, "/v1/jobs", body: harness.yaml(name: "first", spec: ["epochs": "20"]), headers: Self.keyed(key))
            #expect(other.status == .unprocessableContent)
            let error = try other.decode(APIError.Body.self)
            #expect(error.field == "Idempotency-Key")
            #expect(error.error.contains(job.name), "\(error.error)")
            #expect(try await harness.jobs.count() == 1)
        }
        await harness.close()
    }

    @Test(arguments: ["", "has space", String(repeating: "k", count: 256), "ключ"])
    func aMalformedKeyIsRefusedNamingTheHeader(_ key: String) async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            var headers = authHeaders
            headers[HTTPField.Name("Idempotency-Key")!] = key
            let response = try await send(client, .post, "/v1/jobs", body: harness.yaml(name: "badkey"), headers: headers)
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(try response.decode(APIError.Body.self).field == "Idempotency-Key")
            #expect(try await harness.jobs.count() == 0)
            #expect(try await harness.store.collection(StoreSchema.submissions, of: AnyDocument.self).count() == 0)
        }
        await harness.close()
    }
}
