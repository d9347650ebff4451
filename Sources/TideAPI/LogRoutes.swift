import Foundation
import Hummingbird
import NIOCore
import TideCore

/// `GET /v1/jobs/{name}/logs[?worker=I][&follow=true]`: a worker's output
/// (worker 0 by default) from its latest run; with `follow`, the stream goes
/// on as the worker writes, into each new run, until the job finishes.
struct LogRoutes: Sendable {
    let api: TrainingAPI

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.get("jobs/{name}/logs") { request, context in
            let name = try JobRoutes.name(context)
            let parameters = JobRoutes.parameters(request)
            let workerText = parameters["worker"] ?? "0"
            guard let worker = Int(workerText), worker >= 0 else {
                throw APIError(.badRequest, "worker must be a worker index (0, 1, ...), not \(workerText)", field: "worker")
            }
            let follow = parameters["follow"] == "true"
            _ = try await api.service.get(name)
            guard let logs = api.configuration.logs else {
                throw APIError(.notFound, "this service reads no worker logs (start it with --logs-dir, the local backend's data directory, or --logs-from kubernetes)")
            }
            if !follow {
                guard let run = try await logs.latestRun(job: name, worker: worker) else {
                    throw APIError(.notFound, "job \(name) has no log for worker \(worker) yet", field: "worker")
                }
                let data = try await logs.output(job: name, worker: worker, run: run, from: 0)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            }
            let (service, shutdown, interval) = (api.service, api.shutdown, api.configuration.watchInterval)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody { writer in
                    var run = -1
                    var offset: UInt64 = 0
                    while !Task.isCancelled && !shutdown.isSet {
                        // Read the state first: output written before the job finished is sent before the stream ends.
                        let finished = (try? await service.get(name))?.status.state.isTerminal ?? true
                        if let latest = try? await logs.latestRun(job: name, worker: worker) {
                            if latest != run {
                                if run >= 0 { try await writer.write(ByteBuffer(string: "--- run \(latest) ---\n")) }
                                run = latest
                                offset = 0
                            }
                            let chunk = (try? await logs.output(job: name, worker: worker, run: run, from: offset)) ?? Data()
                            if !chunk.isEmpty {
                                offset += UInt64(chunk.count)
                                try await writer.write(ByteBuffer(bytes: chunk))
                            }
                        }
                        if finished { break }
                        try? await Task.sleep(for: interval)
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
