import TideBroker

/// What a round must read again from MongoDB. Reading every job each round
/// costs a round tens of milliseconds per thousand jobs, so a round reads
/// the jobs its events name, and everything only now and then.
public struct RoundCause: Sendable, Equatable {
    /// Jobs an event said changed (created, patched, canceled, failed back here).
    public var jobs: Set<String> = []
    /// The collector wrote new estimates.
    public var estimates = false
    /// Read every job: at start-up, after a failed round, or for an event that names none.
    public var everything = false

    public init(jobs: Set<String> = [], estimates: Bool = false, everything: Bool = false) {
        self.jobs = jobs
        self.estimates = estimates
        self.everything = everything
    }

    public static let everything = RoundCause(everything: true)

    /// The cause of a round that follows `deliveries`. Job events name their
    /// job in the message id (`<job>/<version>/<change>`); nodes are read every
    /// round anyway; a metrics event asks for the estimates.
    public static func from(_ deliveries: [Delivery]) -> RoundCause {
        var cause = RoundCause()
        for delivery in deliveries {
            if delivery.exchange == BrokerNames.jobsExchange {
                guard let id = delivery.properties.messageID, let name = id.split(separator: "/").first, !name.isEmpty else {
                    cause.everything = true
                    continue
                }
                cause.jobs.insert(String(name))
            } else if delivery.routingKey.hasPrefix("metrics.") {
                cause.estimates = true
            }
        }
        return cause
    }

    public mutating func merge(_ other: RoundCause) {
        jobs.formUnion(other.jobs)
        estimates = estimates || other.estimates
        everything = everything || other.everything
    }
}
