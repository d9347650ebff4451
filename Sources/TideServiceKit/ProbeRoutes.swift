import Hummingbird

/// The routes every Tide service serves besides its own: `/healthz`,
/// `/readyz` (ready once the service does its work) and Prometheus `/metrics`.
public enum ProbeRoutes {
    /// Adds the three routes; `metrics` renders the Prometheus text exposition.
    public static func add(
        to router: Router<BasicRequestContext>, readiness: Readiness, notReadyReason: String,
        metrics: @escaping @Sendable () -> [UInt8]
    ) {
        router.get("healthz") { _, _ in json(#"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in
            readiness.isReady
                ? json(#"{"status":"ready"}"#)
                : json(#"{"status":"not ready","error":"\#(notReadyReason)"}"#, status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics())))
        }
    }

    /// A small JSON response.
    public static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
