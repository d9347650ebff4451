import Foundation
import BenchTiming
import TideStore

/// Insert and versioned-update latency of `TideStore` on a real server, with
/// one client (sequential calls) and with eight concurrent clients.
enum StoreBench {
    struct BenchJob: VersionedDocument {
        struct Metadata: Codable { var name: String; var version: Int; var createdAt: Date }
        struct Spec: Codable { var accelerator: String; var workers: Int; var priority: Int }
        struct Status: Codable { var state: String; var updates: Int }
        static let fields = DocumentFields.job
        var metadata: Metadata
        var spec: Spec
        var status: Status
        var name: String { metadata.name }
        var version: Int {
            get { metadata.version }
            set { metadata.version = newValue }
        }

        init(_ name: String) {
            metadata = Metadata(name: name, version: 0, createdAt: Date())
            spec = Spec(accelerator: "v100", workers: 4, priority: 0)
            status = Status(state: "Waiting", updates: 0)
        }
    }

    static func run(uri: String) async throws {
        let store = try await MongoStore.connect(uri: uri, database: "bench-\(UUID().uuidString.prefix(8))")
        try await store.ensureSchema()
        let jobs = VersionedStore<BenchJob>(store, collection: StoreSchema.jobs)
        print("store benchmark: insert (create) and versioned update, journaled writes (j: true)")
        print(pad("case", 30) + pad("ops", 7) + pad("p50 ms", 10) + pad("p99 ms", 10) + "ops/s")
        for (label, clients, total) in [("1 client", 1, 1_000), ("8 clients", 8, 2_000)] {
            let prefix = label.replacingOccurrences(of: " ", with: "")
            let inserts = try await LatencySamples.run(clients: clients, total: total) { index in
                try await jobs.create(BenchJob("\(prefix)-\(index)"))
            }
            report("insert, \(label)", inserts)
            // One compare-and-set write each, from the version the writer holds (every job was
            // just created at version 1), as a scheduler writes a status it read earlier.
            let updates = try await LatencySamples.run(clients: clients, total: total) { index in
                var job = BenchJob("\(prefix)-\(index)")
                job.version = 1
                job.status.state = "Running"
                _ = try await jobs.replace(job)
            }
            report("versioned update, \(label)", updates)
        }
        try await store.dropDatabase()
        await store.close()
    }

    static func report(_ label: String, _ measurement: LatencySamples) {
        let count = measurement.samples.count
        print(
            pad(label, 30) + pad("\(count)", 7) + pad(format(measurement.p50), 10)
                + pad(format(measurement.p99), 10) + format(Double(count) / measurement.seconds, digits: 0))
    }

    static func format(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
