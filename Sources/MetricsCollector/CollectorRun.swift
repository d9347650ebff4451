import Foundation
import Logging
import TideBroker
import TideJobs
import TideMetrics
import TideStore

/// One run of the collector: drain the progress queue batch by batch (fold,
/// write, then ack), fold the metrics files, announce the changed estimates.
struct CollectorRun: Sendable {
    var store: CollectorStore
    var broker: BrokerConfiguration
    var queue: String
    /// Deliveries per batch, and the consumer's prefetch.
    var batchLimit: Int
    var idle: Duration
    var metricsDirectory: URL?
    var logger: Logger

    /// What a run did, for its last log line.
    struct Summary: Sendable {
        var outcomes: [FoldOutcome: Int] = [:]
        var undecodable = 0
        var written = 0
        var announced: [String: [String]] = [:]
    }

    func run() async throws -> Summary {
        var summary = Summary()
        let consumer = try await Consumer(
            configuration: broker, queue: queue, prefetch: batchLimit, topology: Topology(queues: [.init(queue)]),
            logger: logger, name: "tide-metrics-collector")
        let inbox = DeliveryInbox()
        let pump = Task { await inbox.pump(consumer) }
        defer {
            consumer.close()
            pump.cancel()
        }
        while true {
            let batch = try await inbox.nextBatch(limit: batchLimit, idle: idle)
            if batch.isEmpty { break }
            try await handle(batch, &summary)
            inbox.restartIdleClock()
        }
        // Unacked deliveries of a closed consumer go back to the queue; none are left here.
        consumer.close()
        if let metricsDirectory { try await foldFiles(in: metricsDirectory, &summary) }
        summary.announced = try await Announcer(store: store, broker: broker, logger: logger).announce()
        return summary
    }

    /// Folds and writes a batch, then settles each delivery: acked once the write
    /// it went into is durable; an undecodable one rejected (it would never decode).
    private func handle(_ batch: [Delivery], _ summary: inout Summary) async throws {
        var samples: [String: [ProgressSample]] = [:]
        var rejected: [Delivery] = []
        for delivery in batch {
            if let sample = try? ProgressSampleJSON.decode(delivery.body), !sample.job.isEmpty {
                samples[sample.job, default: []].append(sample)
            } else {
                logger.warning(
                    "dropping an undecodable progress message",
                    metadata: ["body": "\(String(decoding: delivery.body.prefix(200), as: UTF8.self))"])
                rejected.append(delivery)
            }
        }
        summary.undecodable += rejected.count
        try await fold(samples, &summary)
        for delivery in batch {
            do {
                if rejected.contains(where: { $0.deliveryTag == delivery.deliveryTag }) {
                    try await delivery.nack(requeue: false)
                } else {
                    try await delivery.ack()
                }
            } catch BrokerError.staleDelivery {
                // The connection dropped: the broker redelivers it, and the fold deduplicates it.
                logger.info("delivery from a dropped connection not acked; it will be redelivered")
            }
        }
    }

    /// Folds each job's samples into its stored history and writes history and
    /// estimate when the history changed, marking a changed estimate for announcement.
    private func fold(_ samples: [String: [ProgressSample]], _ summary: inout Summary)
        async throws
    {
        let records = try await store.records(Array(samples.keys))
        for (job, list) in samples.sorted(by: { $0.key < $1.key }) {
            let record = records[job]
            var history = record?.progress ?? ProgressHistory(accelerator: list[0].accelerator)
            let outcomes = history.fold(contentsOf: list)
            for outcome in outcomes { summary.outcomes[outcome, default: 0] += 1 }
            guard outcomes.contains(where: \.changesHistory) else { continue }
            let estimate = history.estimate
            if EstimateChange.differs(estimate, from: record?.estimate) { history.announcePending = true }
            try await store.save(job: job, progress: history, estimate: estimate)
            summary.written += 1
        }
    }

    /// Folds every `<job>.csv` of `directory` whose job Tide knows.
    private func foldFiles(in directory: URL, _ summary: inout Summary) async throws {
        let files = try await MetricsFiles.read(directory)
        let names = files.keys.sorted()
        let records = try await store.records(names)
        let specs = try await store.specs(names)
        var samples: [String: [ProgressSample]] = [:]
        for job in names {
            guard let accelerator = records[job]?.progress?.accelerator ?? specs[job]?.accelerator else {
                logger.warning("metrics file of an unknown job skipped", metadata: ["job": "\(job)"])
                continue
            }
            do {
                samples[job] = try MetricsCSV.samples(
                    files[job]!, job: job, accelerator: accelerator, epochs: specs[job]?.epochs ?? records[job]?.progress?.epochs)
            } catch {
                logger.warning("metrics file skipped", metadata: ["job": "\(job)", "error": "\(error)"])
            }
        }
        try await fold(samples.filter { !$0.value.isEmpty }, &summary)
    }
}
