import Foundation
import Hummingbird
import Prometheus
import TideCore

/// The service's Prometheus metrics: requests by route, method and status, request
/// latency by route, jobs by status and the outbox's backlog (read at each scrape).
public final class APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "tide_http_requests", unitName: "total", helpText: "HTTP requests served"),
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "tide_http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
            labels: [("method", method), ("route", route)], buckets: buckets
        ).record(duration)
    }

    func setJobs(_ counts: [JobState: Int]) {
        for state in JobState.allCases {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    metricName: "tide_jobs", unitName: "", helpText: "Stored jobs by status"),
                labels: [("status", state.rawValue)]
            ).set(Double(counts[state] ?? 0))
        }
    }

    /// The outbox's backlog: changes this replica stored and has not published yet, clears it
    /// has queued, and jobs flagged in the store by any replica.
    func setOutbox(owed: Int, queuedClears: Int, flagged: Int) {
        for (name, help, value) in [
            ("tide_outbox_owed", "Job changes this replica stored and has not published yet", owed),
            ("tide_outbox_clears_queued", "Published changes whose outbox flag this replica has not cleared yet", queuedClears),
            ("tide_outbox_flagged", "Jobs flagged in the store as owing an event, by any replica", flagged),
        ] {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
                .set(Double(value))
        }
    }

    /// The Prometheus text exposition.
    func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Records every request's route, status and latency, including refusals by later middleware.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            metrics.recordRequest(
                method: method, route: context.endpointPath ?? "unmatched", status: response.status.code,
                duration: .now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(
                method: method, route: context.endpointPath ?? "unmatched", status: status, duration: .now - start)
            throw error
        }
    }
}
