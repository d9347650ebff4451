import Foundation
import Logging
import TideBroker
import TideMetrics

/// Publishes `metrics.<accelerator>.updated` on `tide.events`, body
/// `{"jobs": [names]}`, once per GPU type whose estimates changed, then clears
/// the jobs' `announcePending` marks.
///
/// The marks are written with the estimates, before the deliveries are acked,
/// so an announcement a run could not make (broker down, crash) is made by the
/// next run; a crash between publishing and clearing announces twice, which
/// only wakes a scheduler once more.
struct Announcer: Sendable {
    var store: CollectorStore
    var broker: BrokerConfiguration
    var logger: Logger

    /// Announces every pending change; returns the job names announced per GPU type.
    func announce() async throws -> [String: [String]] {
        var byAccelerator: [String: [String]] = [:]
        for record in try await store.unannounced() {
            guard let accelerator = record.progress?.accelerator else { continue }
            byAccelerator[accelerator, default: []].append(record.name)
        }
        guard !byAccelerator.isEmpty else { return [:] }
        let publisher = try await Publisher(
            configuration: broker, topology: Topology.exchanges, logger: logger, name: "tide-metrics-announcer")
        defer { publisher.close() }
        var announced: [String: [String]] = [:]
        for (accelerator, jobs) in byAccelerator.sorted(by: { $0.key < $1.key }) {
            let names = jobs.sorted()
            guard let key = try? BrokerNames.metricsUpdatedKey(accelerator: accelerator) else {
                // Not a GPU type name (a sample from a misconfigured service): no scheduler listens for it.
                logger.warning("estimates of an invalid GPU type not announced", metadata: ["accelerator": "\(accelerator)"])
                try await store.markAnnounced(names)
                continue
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = try encoder.encode(["jobs": names])
            try await publisher.publish(
                exchange: BrokerNames.eventsExchange, routingKey: key, body: body,
                properties: MessageProperties(contentType: "application/json"))
            try await store.markAnnounced(names)
            announced[accelerator] = names
        }
        return announced
    }
}
