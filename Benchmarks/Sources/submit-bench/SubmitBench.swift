import BenchTiming
import Foundation
import Logging
import TideAPI
import TideBroker
import TideCore
import TideHTTP
import TideJobs
import TidePorts
import TideStore

/// The API and the raw writes side by side: one client, then eight, for each.
struct SubmitBench {
    let amqpURI: String
    let mongoURI: String
    static let token = "bench-token"

    func run(sequential: Int, concurrent: Int) async throws {
        var logger = Logger(label: "tide.submit-bench")
        logger.logLevel = .warning
        let suffix = UUID().uuidString.prefix(6)
        let store = try await MongoStore.connect(uri: mongoURI, database: "bench-submit-api-\(suffix)")
        try await store.ensureSchema()
        // The raw writes go to collections of their own: the API's clears and the raw inserts must not
        // share a collection (and its writer lock), nor the raw documents make the API's collection larger.
        let rawStore = try await MongoStore.connect(uri: mongoURI, database: "bench-submit-raw-\(suffix)")
        try await rawStore.ensureSchema()
        let publisher = BrokerJobPublisher(configuration: try BrokerConfiguration(uri: amqpURI), logger: logger)
        var configuration = APIConfiguration()
        configuration.passwordSHA256 = try APIConfiguration.passwordDigest(
            environment: ["TIDE_API_PASSWORD_SHA256": TokenCheck.digestHex(of: Self.token)])
        let api = TrainingAPI(store: store, publisher: publisher, configuration: configuration, logger: logger)
        let port = unusedPort()
        let server = Task { try await api.serve(host: "127.0.0.1", port: port) }
        let base = "http://127.0.0.1:\(port)"
        try await waitUntilServing(base)

        let raw = RawSubmission(store: rawStore, publisher: publisher)
        // Keep-alive connections, as any long-running client would: a connection per request would
        // time the TCP handshake, not the API.
        let http = CurlHTTPClient(reusingConnections: true)
        let submit: @Sendable (String, Int) async throws -> Void = { prefix, index in
            let request = HTTPRequest(
                method: "POST", url: base + "/v1/jobs",
                headers: [HTTPHeader("Authorization", "Bearer \(Self.token)"), HTTPHeader("Content-Type", "application/yaml")],
                body: Data(Self.jobYAML("\(prefix)-\(index)").utf8))
            let response = try await http.send(request)
            guard response.status == 201 else {
                throw BenchError("POST /v1/jobs answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
            }
        }
        // Warm-up: connections, the publisher, the code paths.
        for index in 0..<20 {
            try await raw.submit(Self.jobYAML("warm-raw-\(index)"))
            try await submit("warm-api", index)
        }
        await api.settleOutbox()

        print("submission benchmark: \(sequential) with 1 client, \(concurrent) with 8 clients; ms")
        print("raw = job insert + event insert + one confirmed publish, what POST /v1/jobs waits for")
        print(pad("case", 22) + pad("jobs", 7) + pad("p50 ms", 9) + pad("p99 ms", 9) + "jobs/s")
        var results: [String: LatencySamples] = [:]
        for (label, clients, total) in [("1 client", 1, sequential), ("8 clients", 8, concurrent)] {
            let tag = label.replacingOccurrences(of: " ", with: "")
            let rawResult = try await LatencySamples.run(clients: clients, total: total) { index in
                try await raw.submit(Self.jobYAML("raw-\(tag)-\(index)"))
            }
            report("raw, \(label)", rawResult)
            let apiResult = try await LatencySamples.run(clients: clients, total: total) { index in
                try await submit("api-\(tag)", index)
            }
            report("API, \(label)", apiResult)
            // The clears still queued (at most the clearer's longest wait of them) are written before
            // the next case, not during its timing.
            await api.settleOutbox()
            results["raw \(clients)"] = rawResult
            results["api \(clients)"] = apiResult
        }
        if let raw1 = results["raw 1"], let api1 = results["api 1"], let raw8 = results["raw 8"], let api8 = results["api 8"] {
            let over = api1.quantile(0.5) - raw1.quantile(0.5)
            let share = api8.perSecond / raw8.perSecond * 100
            print(String(format: "API over raw at p50, 1 client: %+.2f ms (goal: at most +1 ms) %@", over, over <= 1 ? "met" : "NOT met"))
            print(String(format: "API throughput with 8 clients: %.0f%% of raw (goal: at least 80%%) %@", share, share >= 80 ? "met" : "NOT met"))
        }
        server.cancel()
        _ = await server.result
        await publisher.close()
        try await store.dropDatabase()
        await store.close()
        try await rawStore.dropDatabase()
        await rawStore.close()
    }

    static func jobYAML(_ name: String) -> String {
        """
        apiVersion: tide/v1
        kind: TrainingJob
        metadata: {name: \(name)}
        spec:
          accelerator: bench-gpu
          workers: {min: 1, max: 8}
          requestedWorkers: 4
          priority: 0
          epochs: 60
          template:
            image: pixyzinc/pixyz-scheduler-worker:latest
            command: [python3, train.py]
            env: [{name: BATCH, value: "256"}]
        """
    }

    private func waitUntilServing(_ base: String) async throws {
        let http = CurlHTTPClient()
        for _ in 0..<200 {
            if let response = try? await http.send(HTTPRequest(url: base + "/healthz")), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("the API did not start on \(base)")
    }

    private func report(_ label: String, _ measurement: LatencySamples) {
        print(
            pad(label, 22) + pad("\(measurement.samples.count)", 7) + pad(format(measurement.quantile(0.5)), 9)
                + pad(format(measurement.quantile(0.99)), 9) + format(measurement.perSecond, digits: 0))
    }

    private func format(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
