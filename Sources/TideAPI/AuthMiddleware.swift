import Hummingbird

/// Refuses a request without the API token (401 with a JSON error).
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let check: TokenCheck

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if let refusal = check.refusal(request.headers) { throw refusal }
        return try await next(request, context)
    }
}
