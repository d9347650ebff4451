import Hummingbird

/// Answers a request for a route's path with a method the route does not have
/// (TRACE, or PUT on `/v1/jobs`) with 405 and an `Allow` header, as RFC 9110
/// asks, where Hummingbird's router answers 404.
///
/// Added after every route, so it wraps only the router's not-found responder:
/// a served request never goes through it, and a handler's own 404 (no such
/// job) is an `APIError`, not the router's `HTTPError`, so it stays a 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// One route path: its segments (`{…}` and `*` match any one segment) and its methods.
    struct Route: Sendable {
        var path: String
        var segments: [Substring]
        var methods: [String]

        /// Literal segments that match: the router prefers a literal to a capture.
        func score(_ request: [Substring]) -> Int? {
            guard request.count == segments.count else { return nil }
            var literals = 0
            for (pattern, segment) in zip(segments, request) {
                if pattern == "*" || (pattern.hasPrefix("{") && pattern.hasSuffix("}")) { continue }
                guard pattern == segment else { return nil }
                literals += 1
            }
            return literals
        }
    }

    let routes: [Route]

    /// The table of `routes` (the router's, once every route is added).
    init(routes: [Router<Context>.RouteDescription]) {
        var methods: [String: Set<String>] = [:]
        for route in routes { methods[route.path.description, default: []].insert(route.method.rawValue) }
        self.routes = methods.map { path, methods in
            Route(path: path, segments: path.split(separator: "/"), methods: methods.sorted())
        }
    }

    /// The path and methods of the route `path` names, the most literal match first; nil if none.
    func route(for path: String) -> Route? {
        let segments = path.split(separator: "/")
        return routes.compactMap { route in route.score(segments).map { (route, $0) } }
            .max { $0.1 < $1.1 }?.0
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let route = route(for: request.uri.path) else { throw error }
            // The route's path, not "NotFound", in the request metrics.
            context.coreContext.endpointPath.value = route.path
            let allow = route.methods.joined(separator: ", ")
            var response = try APIError(
                .methodNotAllowed, "\(request.method) is not a method of \(route.path); use \(allow)"
            ).response(from: request, context: context)
            // HTTPField.Name is not among the types Hummingbird exports: named by inference.
            response.headers[.init("Allow")!] = allow
            return response
        }
    }
}
