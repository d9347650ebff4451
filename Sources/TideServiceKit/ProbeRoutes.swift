import Hummingbird

/// The allocator's HTTP side: `/healthz`, `/readyz` (ready once its RPC
/// queue is being consumed) and Prometheus `/metrics`.
public enum AllocatorHTTP {
    public static func router(metrics: AllocatorMetrics, readiness: Readiness) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("healthz") { _, _ in json(#"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in
            readiness.isReady
                ? json(#"{"status":"ready"}"#)
                : json(#"{"status":"not ready","error":"not consuming the allocator queue yet"}"#, status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        return router
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
