import Prometheus

/// The scheduler's Prometheus metrics: rounds and their latency, failed rounds, worker exits.
public final class SchedulerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let accelerator: String
    private static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init(accelerator: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.accelerator = accelerator
        self.registry = registry
    }

    func recordRound(duration: Duration, failed: Bool) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "tide_scheduler_rounds", unitName: "total", helpText: "Scheduling rounds"),
            labels: [("accelerator", accelerator), ("result", failed ? "error" : "ok")]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "tide_scheduler_round_duration", unitName: "seconds",
                helpText: "One round: reload, allocate (RPC), apply"),
            labels: [("accelerator", accelerator)], buckets: Self.buckets
        ).record(duration)
    }

    func recordPhases(_ timings: Scheduler.RoundTimings) {
        let descriptor = MetricNameDescriptor(
            metricName: "tide_scheduler_round_phase_duration", unitName: "seconds",
            helpText: "A round's phases: refresh (reads), allocate (snapshot, RPC, plan), apply (workers, statuses)")
        for (phase, duration) in [("refresh", timings.refresh), ("allocate", timings.allocate), ("apply", timings.apply)] {
            registry.makeDurationHistogram(
                descriptor: descriptor, labels: [("accelerator", accelerator), ("phase", phase)], buckets: Self.buckets
            ).record(duration)
        }
    }

    func recordExit(result: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "tide_scheduler_worker_exits", unitName: "total", helpText: "Worker exits seen"),
            labels: [("accelerator", accelerator), ("result", result)]
        ).increment()
    }

    func setJobs(_ count: Int, withWorkers: Int) {
        let descriptor = MetricNameDescriptor(metricName: "tide_scheduler_jobs", unitName: "", helpText: "Jobs held")
        registry.makeGauge(descriptor: descriptor, labels: [("accelerator", accelerator), ("workers", "some")]).set(Double(withWorkers))
        registry.makeGauge(descriptor: descriptor, labels: [("accelerator", accelerator), ("workers", "none")])
            .set(Double(count - withWorkers))
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
