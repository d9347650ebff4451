import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TideAPI
import TideBroker
import TideCore
import TideJobs
import TideStore
import TideTestSupport

/// The token the tests authenticate with, and its digest as the service is configured with it.
let testToken = "s3cret-token"
let authHeaders: HTTPFields = [.authorization: "Bearer \(testToken)"]

/// A training service under test: a database of its own on the shared SecantusDB, a broker
/// (the shared one unless given), a unique accelerator, and a queue bound to its job events.
final class Harness: Sendable {
    let store: MongoStore
    let api: TrainingAPI
    let accelerator: String
    let messages: MessageCollector
    let publisher: BrokerJobPublisher

    static func make(
        database: String? = nil, amqpURI: String? = nil, mongoURI: String? = nil,
        configure: (inout APIConfiguration) -> Void = { _ in }
    ) async throws -> Harness {
        let store = try await MongoStore.connect(
            uri: mongoURI ?? TestServers.mongoURI, database: database ?? TestServers.uniqueName("svc"))
        try await store.ensureSchema()
        let accelerator = TestServers.uniqueName("acc")
        let broker = try BrokerConfiguration(uri: amqpURI ?? TestServers.amqpURI)
        // A private broker's queue must outlive the broker's restart; the shared one's goes with the test.
        let messages = try await MessageCollector(
            configuration: broker, accelerator: accelerator, autoDelete: amqpURI == nil)
        var configuration = APIConfiguration()
        configuration.passwordSHA256 = try APIConfiguration.passwordDigest(
            environment: ["TIDE_API_PASSWORD_SHA256": TokenCheck.digestHex(of: testToken)])
        configuration.outboxInterval = .milliseconds(200)
        configuration.outboxGrace = .milliseconds(500)
        configuration.watchInterval = .milliseconds(100)
        configure(&configuration)
        var logger = Logger(label: "tide.test")
        logger.logLevel = .warning
        let publisher = BrokerJobPublisher(configuration: broker, logger: logger)
        let api = TrainingAPI(store: store, publisher: publisher, configuration: configuration, logger: logger)
        return Harness(store: store, api: api, accelerator: accelerator, messages: messages, publisher: publisher)
    }

    private init(store: MongoStore, api: TrainingAPI, accelerator: String, messages: MessageCollector,
                 publisher: BrokerJobPublisher) {
        self.store = store
        self.api = api
        self.accelerator = accelerator
        self.messages = messages
        self.publisher = publisher
    }

    /// Runs `body` against the router (no socket), then drops the database.
    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await run(.router, body)
    }

    /// Runs `body` against the API listening on a loopback port (for what the router client
    /// cannot show: a streamed body as it comes), then drops the database.
    func live<T: Sendable>(_ body: @Sendable (any TestClientProtocol, Int) async throws -> T) async throws -> T {
        try await run(.live) { client in try await body(client, try #require(client.port)) }
    }

    private func run<T: Sendable>(
        _ setup: TestingSetup, _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let app = api.application(port: 0)
        do {
            let result = try await app.test(setup) { client in try await body(client) }
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }

    func close(dropping: Bool = true) async {
        messages.close()
        await publisher.close()
        if dropping { try? await store.dropDatabase() }
        await store.close()
    }

    /// The raw `jobs` collection, to check what was stored.
    var jobs: MongoCollection<JobRecord> { store.collection(StoreSchema.jobs) }

    /// A minimal valid job in YAML for this harness's accelerator.
    func yaml(name: String = "resnet", spec: [String: String] = [:]) -> String {
        var fields: [(String, String)] = [
            ("accelerator", accelerator), ("workers", "{min: 1, max: 4}"), ("epochs", "10"),
            ("template", "{image: \"busybox\", command: [\"true\"]}"),
        ]
        for (key, value) in spec.sorted(by: { $0.key < $1.key }) {
            if let index = fields.firstIndex(where: { $0.0 == key }) { fields[index].1 = value } else {
                fields.append((key, value))
            }
        }
        let lines = fields.filter { !$0.1.isEmpty }.map { "  \($0.0): \($0.1)" }.joined(separator: "\n")
        return "apiVersion: tide/v1\nkind: TrainingJob\nmetadata:\n  name: \(name)\nspec:\n\(lines)\n"
    }
}

/// Sends a request with the test token.
extension Harness {
    /// The store holds `job` and no other, with one "created" message and one "Created" history entry.
    func expectStoredOnce(_ job: StoredJob, client: some TestClientProtocol) async throws {
        let stored = try await jobs.find()
        #expect(stored.map(\.name) == [job.name], "stored \(stored.map(\.name))")
        let deliveries = await messages.wait(for: 2, timeout: .seconds(2))
        #expect(deliveries.map(\.properties.messageID) == ["\(job.name)/1/created"])
        let events = try await send(client, .get, "/v1/jobs/\(job.name)/events").decode(HistoryPage.self)
        #expect(events.items.map(\.type) == ["Created"])
    }
}

/// A page of `GET /v1/jobs/NAME/events`.
struct HistoryPage: Decodable { var items: [JobHistoryEvent] }

func send(
    _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String? = nil,
    contentType: String? = "application/yaml", headers: HTTPFields = authHeaders
) async throws -> TestResponse {
    var headers = headers
    if let contentType, body != nil { headers[.contentType] = contentType }
    return try await client.executeRequest(
        uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder.tide.decode(type, from: Data(buffer: body))
    }

    var error: APIError.Body? { try? decode(APIError.Body.self) }
}

/// A page of `GET /v1/jobs`.
struct JobPage: Decodable {
    var items: [StoredJob]
    var `continue`: String?
}

/// Collects the messages published on tide.jobs, and its node changes on tide.events, for one
/// accelerator, from a queue of the test's own.
final class MessageCollector: Sendable {
    private let consumer: Consumer
    private let box = Box()

    /// Keeps each message once, by message id, as the contract asks of consumers (delivery is at least once).
    actor Box {
        var deliveries: [Delivery] = []
        var seen: Set<String> = []
        func add(_ delivery: Delivery) {
            if let id = delivery.properties.messageID, !seen.insert(id).inserted { return }
            deliveries.append(delivery)
        }
    }

    init(configuration: BrokerConfiguration, accelerator: String, autoDelete: Bool) async throws {
        let queue = TestServers.uniqueName("tide.test")
        let topology = Topology.exchanges.merging(Topology(
            queues: [Topology.Queue(queue, durable: true, autoDelete: autoDelete)],
            bindings: [
                Topology.Binding(queue: queue, exchange: BrokerNames.jobsExchange, routingKey: "\(accelerator).*"),
                Topology.Binding(queue: queue, exchange: BrokerNames.eventsExchange, routingKey: "node.\(accelerator).changed"),
            ]))
        var logger = Logger(label: "tide.test.consumer")
        logger.logLevel = .warning
        consumer = try await Consumer(configuration: configuration, queue: queue, topology: topology, logger: logger)
        let (consumer, box) = (consumer, box)
        Task {
            do {
                for try await delivery in consumer {
                    await box.add(delivery)
                    try? await delivery.ack()
                }
            } catch {}
        }
    }

    /// The routing keys received so far.
    func keys() async -> [String] { await box.deliveries.map(\.routingKey) }

    func deliveries() async -> [Delivery] { await box.deliveries }

    /// Waits until `count` messages arrived or `timeout` passed; returns what arrived.
    func wait(for count: Int, timeout: Duration = .seconds(10)) async -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let got = await box.deliveries
            if got.count >= count { return got }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await box.deliveries
    }

    func close() { consumer.close() }
}

