import Foundation
import TideBroker
import TideCore

/// Tells whoever watches jobs that a job's status changed.
public protocol StatusAnnouncing: Sendable {
    func announce(_ job: StoredJob) async throws
    /// Wakes the scheduler of the job's (new) GPU type: `<accelerator>.updated` on `tide.jobs`.
    func announceMoved(_ job: StoredJob) async throws
}

/// Publishes `status.<job>` on `tide.events`, confirmed, with the message id
/// `<job>/<version>/status` so a consumer can drop a duplicate.
public struct BrokerStatusAnnouncer: StatusAnnouncing {
    let publisher: Publisher

    public init(publisher: Publisher) {
        self.publisher = publisher
    }

    /// What a status event carries.
    struct Body: Codable {
        var job: String
        var accelerator: String
        var state: String
        var workers: Int
        var message: String
        var version: Int
    }

    public func announce(_ job: StoredJob) async throws {
        let body = Body(
            job: job.name, accelerator: job.spec.accelerator, state: job.status.state.rawValue,
            workers: job.status.workers, message: job.status.message, version: job.version)
        var properties = MessageProperties(contentType: "application/json", persistent: true)
        properties.messageID = "\(job.name)/\(job.version)/status"
        try await publisher.publish(
            exchange: BrokerNames.eventsExchange, routingKey: BrokerNames.statusKey(job: job.name),
            body: try JSONEncoder().encode(body), properties: properties)
    }

    public func announceMoved(_ job: StoredJob) async throws {
        var properties = MessageProperties(contentType: "application/json", persistent: true)
        properties.messageID = "\(job.name)/\(job.version)/updated"
        let body = try JSONEncoder().encode(["job": job.name, "accelerator": job.spec.accelerator])
        try await publisher.publish(
            exchange: BrokerNames.jobsExchange, routingKey: try BrokerNames.jobKey(accelerator: job.spec.accelerator, .updated),
            body: body, properties: properties)
    }
}
