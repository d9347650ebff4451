import ArgumentParser
import Foundation
import Logging
import TideBroker
import TideServiceKit
import TideStore

/// `metrics-collector`: one run, every minute by cron or the local supervisor's
/// timer. Drains the progress queue into per-job histories and estimates in
/// `job_info`, reads metrics files if given a directory, announces the GPU
/// types whose estimates changed, and exits 0 once everything is written.
@main
struct MetricsCollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics-collector",
        abstract: "Folds progress samples into speedup and remaining-time estimates (one run).",
        discussion: """
            The queue counts as drained when no message came for --idle-timeout-ms. \
            Runs must not overlap (the CronJob forbids concurrency): two at once would \
            each write the histories of the samples it saw.
            """)

    @OptionGroup var broker: BrokerOptions

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The progress queue.")
    var queue = BrokerNames.progressQueue

    @Option(help: "A directory of per-job metrics CSV files (<job>.csv, Voda's or Tide's plain form).")
    var vodaMetricsDir: String?

    @Option(help: "Milliseconds without a message after which the queue counts as drained.")
    var idleTimeoutMs = 500

    @Option(help: "Messages folded and written per batch (the consumer's prefetch).")
    var batch = 256

    func validate() throws {
        guard idleTimeoutMs >= 1 else { throw ValidationError("--idle-timeout-ms must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "tide.metrics-collector")
        logger.logLevel = .info
        let store = try await MongoStore.connect(uri: storeOptions.uri, database: storeOptions.database)
        do {
            try await store.ensureSchema()
            let run = CollectorRun(
                store: CollectorStore(store: store), broker: try BrokerConfiguration(uri: broker.uri), queue: queue,
                batchLimit: batch, idle: .milliseconds(idleTimeoutMs),
                metricsDirectory: vodaMetricsDir.map { URL(fileURLWithPath: $0, isDirectory: true) }, logger: logger)
            let summary = try await run.run()
            let outcomes = summary.outcomes.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
            logger.info(
                "run done",
                metadata: [
                    "samples": "\(outcomes.isEmpty ? "none" : outcomes)", "undecodable": "\(summary.undecodable)",
                    "jobsWritten": "\(summary.written)",
                    "announced": "\(summary.announced.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ","))" })",
                ])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
