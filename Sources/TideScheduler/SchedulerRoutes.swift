import Foundation
import Hummingbird
import TideAllocation
import TideServiceKit

/// The scheduler's HTTP side: the probes, `/metrics`, and the policy,
/// which `PUT /policy` (body: a policy name) switches at run time.
public enum SchedulerRoutes {
    public static func router(scheduler: Scheduler, metrics: SchedulerMetrics, readiness: Readiness) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        ProbeRoutes.add(to: router, readiness: readiness, notReadyReason: "recovering its jobs and workers") {
            metrics.render()
        }
        router.get("policy") { _, _ in
            ProbeRoutes.json(#"{"policy":"\#(await scheduler.settings.policy)"}"#)
        }
        router.put("policy") { request, _ in
            let body = try await request.body.collect(upTo: 1024)
            let name = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
            guard Allocator.policies[name] != nil else {
                let message = "unknown policy '\(name.prefix(40))'; one of \(Allocator.policyNames.joined(separator: ", "))"
                let body = try JSONEncoder().encode(["error": message, "field": "policy"])
                return ProbeRoutes.json(String(decoding: body, as: UTF8.self), status: .badRequest)
            }
            await scheduler.setPolicy(name)
            return ProbeRoutes.json(#"{"policy":"\#(name)"}"#)
        }
        return router
    }
}
