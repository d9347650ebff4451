import Foundation
import Logging
import ServiceLifecycle

/// The background loop that republishes flagged jobs, so a broker outage delays
/// job events but never loses them. Safe to run in every replica: a change may
/// then be published more than once, and consumers dedupe by message id.
public struct OutboxRepublisher: Service {
    let outbox: Outbox
    let interval: Duration
    let grace: Duration
    let timeout: Duration
    let clock: @Sendable () -> Date

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.round()
                try? await Task.sleep(for: self.interval)
            }
        }
        // Clears still waiting for a quiet moment: written now, or the next start republishes their changes.
        await outbox.clearer.flush()
    }

    /// One pass; failures are logged and retried on the next pass.
    func round() async {
        do {
            let delivered = try await outbox.republish(now: clock(), grace: grace, timeout: timeout)
            if delivered > 0 {
                outbox.logger.info("republished job events from the outbox", metadata: ["jobs": "\(delivered)"])
            }
        } catch {
            outbox.logger.debug("outbox republish deferred", metadata: ["error": "\(error)"])
        }
    }
}
