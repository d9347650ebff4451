import Logging
import ServiceLifecycle
import TideCore
import TideKube

/// Runs `inner` only while this replica holds the GPU type's Lease (SPEC: one
/// active scheduler per GPU type). Waits for the lease, runs the inner
/// services while renewing it, and gives it back on graceful shutdown. A lost
/// lease stops everything with an error: the process exits and its
/// Deployment starts it again as a standby, which is how client-go's
/// schedulers end a term too.
public struct LeaderElectedService: Service {
    public var lease: KubeLease
    public var inner: ServiceGroup
    /// Told the lease's term once it is held, before `inner` runs: the writes of `inner` carry it.
    public var term: LeadershipTerm?
    public var logger: Logger

    public init(lease: KubeLease, inner: ServiceGroup, term: LeadershipTerm? = nil, logger: Logger) {
        self.lease = lease
        self.inner = inner
        self.term = term
        self.logger = logger
    }

    public func run() async throws {
        let lease = lease
        let logger = logger
        let tenure: KubeLease.Tenure
        do {
            tenure = try await cancelWhenGracefulShutdown {
                try await lease.acquire(
                    waiting: { holder in
                        logger.info("standing by: another scheduler leads", metadata: ["holder": "\(holder)"])
                    },
                    failed: { error in
                        logger.error("cannot take the lease; trying again", metadata: ["error": "\(error)"])
                    })
            }
        } catch is CancellationError {
            return
        }
        if tenure.lease.isEmpty {
            // Without the Lease's uid, terms of two GPU types' Leases could be taken to compare.
            logger.warning("the Lease has no uid: this term's writes are not fenced")
        } else {
            term?.begin(LeadershipTerm.Token(lease: tenure.lease, number: tenure.term))
        }
        logger.info(
            "leading",
            metadata: ["lease": "\(lease.namespace)/\(lease.name)", "identity": "\(lease.identity)", "term": "\(tenure.term)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await inner.run() }
            group.addTask { try await lease.keep(heldSince: tenure.heldSince) }
            // The inner group returns on graceful shutdown (it inherits it); a lost lease throws.
            defer { group.cancelAll() }
            try await group.next()
        }
        do {
            try await lease.release()
        } catch {
            logger.warning("could not give the lease back; it expires on its own", metadata: ["error": "\(error)"])
        }
    }
}
