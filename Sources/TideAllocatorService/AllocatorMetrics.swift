import Prometheus

/// The allocator's Prometheus metrics: rounds by policy, round latency, jobs
/// per round, and refused or failed requests by kind.
public final class AllocatorMetrics: Sendable {
    /// Why a request got an error reply.
    public enum ErrorKind: String, Sendable {
        /// The snapshot broke the contract (malformed JSON, a bad field).
        case invalidRequest = "invalid_request"
        /// The allocator itself failed.
        case internalError = "internal"
    }

    public let registry: PrometheusCollectorRegistry
    private static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500),
    ]
    private static let jobBuckets: [Double] = [1, 10, 100, 1_000, 10_000, 100_000]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    func recordRound(policy: String, jobs: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "tide_allocator_rounds", unitName: "total", helpText: "Allocation rounds answered"),
            labels: [("policy", policy)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "tide_allocator_round_duration", unitName: "seconds",
                helpText: "Time to decode, allocate and encode one round"),
            labels: [("policy", policy)], buckets: Self.latencyBuckets
        ).record(duration)
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "tide_allocator_round_jobs", unitName: "", helpText: "Jobs in each round's snapshot"),
            buckets: Self.jobBuckets
        ).record(Double(jobs))
    }

    func recordError(kind: ErrorKind) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "tide_allocator_errors", unitName: "total", helpText: "Requests answered with an error"),
            labels: [("kind", kind.rawValue)]
        ).increment()
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}
