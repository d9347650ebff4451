import Hummingbird
import NIOCore
import TideStore

/// Turns every error into the API's JSON error: a too-large body into 413, a store
/// outage into 503, anything unexpected into 500 (logged, not shown).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let bodyLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // Refuse a declared oversize body before reading any of it.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyLimit {
            throw APIError.bodyTooLarge(limit: bodyLimit)
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: bodyLimit)
        } catch StoreError.unavailable(_, let detail) {
            context.logger.error("job store unavailable", metadata: ["error": "\(detail)"])
            throw APIError(.serviceUnavailable, "the job store is unavailable; retry shortly")
        } catch let error as any HTTPResponseError {
            if error.status == .notFound {
                throw APIError(.notFound, "no route \(request.method) \(request.uri.path); see /v1/openapi.yaml")
            }
            throw APIError(error.status, "\(error.status.reasonPhrase)")
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw APIError(.internalServerError, "internal error; the service log has the details")
        }
    }
}
