import Foundation
import Hummingbird
import TideBroker
import TideCore
import TideJobs

/// `POST /v1/jobs/{name}/progress`: a worker's progress report, checked
/// against the job's token and queued on `tide.progress` for the metrics
/// collector. Answers 202 once the broker has the sample, 503 when it does not
/// take it within the publish timeout (the worker reports again later), and 409
/// for a report from a run on another GPU type than the job's now (a run
/// before a failback, still stopping): its speed is not the new type's.
struct ProgressRoutes: Sendable {
    let api: TrainingAPI

    /// The report's body, as the worker contract fixes it.
    struct Report: Decodable {
        var epoch: Int
        var epochs: Int
        var workers: Int
        var epochSeconds: Double
        var stepSeconds: Double?
        var samplesPerSecond: Double?
        var loss: Double?
        /// The GPU type the reporting run was started on (`TIDE_ACCELERATOR`), when the worker says.
        var accelerator: String?
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/jobs/{name}/progress") { request, context in
            let name = try JobRoutes.name(context)
            guard let tokens = api.configuration.jobTokens else {
                throw APIError(.unauthorized, "progress reports are refused: the service has no TIDE_JOB_TOKEN_SECRET")
            }
            guard let token = TokenCheck.token(in: request.headers), tokens.verify(token, job: name) else {
                throw APIError(.unauthorized, "progress needs the job's own token (TIDE_JOB_TOKEN) as a Bearer token")
            }
            let body = try await JobRoutes.body(of: request, limit: 64 * 1024)
            let report: Report
            do {
                report = try JSONDecoder().decode(Report.self, from: body)
            } catch {
                throw APIError(.badRequest, "a progress report is JSON with epoch, epochs, workers and epochSeconds: \(error)")
            }
            try Self.check(report)
            let job = try await api.service.get(name)
            if let reported = report.accelerator, reported != job.spec.accelerator {
                throw APIError(
                    .conflict,
                    "job \(name) runs on \(job.spec.accelerator) now; this report came from a run on \(reported) and is dropped",
                    field: "accelerator")
            }
            guard let messages = api.messages else {
                throw APIError(.serviceUnavailable, "this service publishes no progress (no broker)")
            }
            let sample = ProgressSample(
                job: name, accelerator: job.spec.accelerator, epoch: report.epoch, epochs: report.epochs,
                workers: report.workers, epochSeconds: report.epochSeconds, stepSeconds: report.stepSeconds,
                samplesPerSecond: report.samplesPerSecond, loss: report.loss, receivedAt: Date())
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let message = OutgoingMessage(
                exchange: "", routingKey: api.configuration.progressQueue, body: try encoder.encode(sample),
                properties: MessageProperties(
                    contentType: "application/json", messageID: "\(name)/progress/\(report.epoch)/\(report.workers)",
                    persistent: true))
            let timeout = api.configuration.publishTimeout
            let taken: Void?
            do {
                // Bounded: while the broker is away a publish waits for it, and so would the worker.
                taken = try await result(within: timeout, cancellingLate: false) { try await messages.publish(message) }
            } catch {
                throw APIError(.serviceUnavailable, "the broker did not take the report; send it again later: \(error)")
            }
            guard taken != nil else {
                throw APIError(.serviceUnavailable, "the broker did not take the report within \(timeout); send it again later")
            }
            return Response(status: .accepted)
        }
    }

    static func check(_ report: Report) throws {
        func bad(_ field: String, _ message: String) -> APIError { APIError(.badRequest, "\(field) \(message)", field: field) }
        guard report.epochs >= 1 else { throw bad("epochs", "must be at least 1, got \(report.epochs)") }
        guard (0...report.epochs).contains(report.epoch) else {
            throw bad("epoch", "must be between 0 and epochs (\(report.epochs)), got \(report.epoch)")
        }
        guard (1...100_000).contains(report.workers) else { throw bad("workers", "must be at least 1, got \(report.workers)") }
        guard report.epochSeconds.isFinite, report.epochSeconds > 0 else {
            throw bad("epochSeconds", "must be a positive number of seconds, got \(report.epochSeconds)")
        }
        for (field, value) in [("stepSeconds", report.stepSeconds), ("samplesPerSecond", report.samplesPerSecond), ("loss", report.loss)] {
            if let value, !value.isFinite { throw bad(field, "must be a finite number") }
        }
    }
}
