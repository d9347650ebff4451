import Foundation
import TideCore

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go's
/// leaderelection does it: one holder at a time; a holder renews every
/// `renewEvery`; another replica takes the lease over only once it has seen
/// the same record unchanged for `duration` (its own clock only, so clock
/// skew between machines does not matter), and a holder stops acting as one
/// once two thirds of the duration have passed without a renewal. Every write
/// carries the resourceVersion read, so two replicas can never both win (409).
public final class KubeLease: Sendable {
    public let client: KubeClient
    public let namespace: String
    public let name: String
    /// This replica (its pod name).
    public let identity: String
    public let duration: Duration
    public let renewEvery: Duration
    /// A holder that could not renew for this long stops acting as one.
    public let renewDeadline: Duration
    public let retryEvery: Duration

    /// A lease held for `seconds`, renewed every fifth of that, given up by its holder when two
    /// thirds have passed since the last renewal that succeeded was sent.
    public init(client: KubeClient, namespace: String, name: String, identity: String, seconds: Int = 15) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        duration = .seconds(seconds)
        renewEvery = .milliseconds(seconds * 1000 / 5)
        renewDeadline = .milliseconds(seconds * 2000 / 3)
        retryEvery = .milliseconds(min(seconds * 1000 / 5, 2000))
    }

    /// The lease is held by someone else now, or could not be renewed in time.
    public struct Lost: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    var path: String { "/apis/coordination.k8s.io/v1/namespaces/\(namespace)/leases" }

    /// A term of this replica's as the holder.
    public struct Tenure: Sendable {
        /// When the write that took the lease was sent: pass it to `keep`.
        public var heldSince: ContinuousClock.Instant
        /// The lease's `leaseTransitions` once taken: every change of holder raises it, so a
        /// later holder's term is always higher. Writes carry it to fence off a former holder's.
        public var term: Int
        /// The Lease object's uid: terms compare only within one Lease (one GPU type, and
        /// not across a Lease deleted and created again, whose count starts over).
        public var lease: String
    }

    /// Returns once this replica holds the lease, with its term. `waiting` hears who holds it
    /// meanwhile, each time that changes; `failed`, why an attempt failed (the API server away,
    /// RBAC), before the next.
    @discardableResult
    public func acquire(
        waiting: (String) -> Void = { _ in }, failed: (KubeAPIError) -> Void = { _ in }
    ) async throws -> Tenure {
        var observed: (record: String, at: ContinuousClock.Instant)?
        var holder: String?
        while true {
            try Task.checkCancellation()
            let sent = ContinuousClock.now
            do {
                switch try await attempt(observed: &observed) {
                case .held(let term, let uid): return Tenure(heldSince: sent, term: term, lease: uid)
                case .heldBy(let other):
                    if other != holder { waiting(other) }
                    holder = other
                }
            } catch let error as KubeAPIError {
                failed(error)
            }
            try await Task.sleep(for: retryEvery)
        }
    }

    /// Renews until cancelled; throws `Lost` when another replica holds the lease, or when
    /// `renewDeadline` has passed since the last renewal that succeeded was sent (`heldSince`
    /// at first). A renewal still unanswered then is abandoned: a standby takes the lease only
    /// after watching it unchanged for the whole duration, so a holder that stops at the deadline
    /// has stopped before anyone else can start, however slow its requests or its machine.
    public func keep(heldSince: ContinuousClock.Instant = .now) async throws {
        var renewed = heldSince
        var lastError: KubeAPIError?
        while true {
            // Never past the deadline: after an error close to it, a full retry pause
            // kept the holder acting for that much longer than it may.
            let pause = lastError == nil ? renewEvery : retryEvery
            try await Task.sleep(for: max(min(pause, renewDeadline - (ContinuousClock.now - renewed)), .zero))
            let sent = ContinuousClock.now
            let left = renewDeadline - (sent - renewed)
            guard left > .zero else { throw notRenewed(lastError) }
            do {
                switch try await result(within: left, cancellingLate: true, of: { try await self.attempt() }) {
                case .held?:
                    renewed = sent
                    lastError = nil
                case .heldBy(let other)?: throw Lost(description: "the lease \(namespace)/\(name) is held by \(other) now")
                case nil: throw notRenewed(lastError)
                }
            } catch let error as KubeAPIError {
                lastError = error
            }
        }
    }

    private func notRenewed(_ error: KubeAPIError?) -> Lost {
        Lost(description: "the lease \(namespace)/\(name) could not be renewed within \(renewDeadline)"
            + (error.map { ": \($0)" } ?? " (the API server did not answer in time)"))
    }

    /// Gives the lease up (graceful shutdown), so the next replica need not wait it out.
    public func release() async throws {
        guard var lease = try await read(), lease.spec.holderIdentity == identity else { return }
        lease.spec.holderIdentity = ""
        lease.spec.leaseDurationSeconds = 1
        _ = try await client.send("PUT", "\(path)/\(name)", body: try JSONEncoder().encode(lease))
    }

    enum Attempt: Equatable {
        case held(term: Int, lease: String)
        case heldBy(String)
    }

    /// One read and, where allowed, one write taking or renewing the lease.
    func attempt() async throws -> Attempt {
        var observed: (record: String, at: ContinuousClock.Instant)?
        return try await attempt(observed: &observed)
    }

    /// One read and, where allowed, one write taking or renewing the lease; `observed` is what
    /// this replica has seen of another holder's record, and since when.
    func attempt(observed: inout (record: String, at: ContinuousClock.Instant)?) async throws -> Attempt {
        let now = Date()
        guard var lease = try await read() else {
            let created = Lease(
                metadata: .init(name: name, namespace: namespace),
                spec: .init(
                    holderIdentity: identity, leaseDurationSeconds: seconds(duration), acquireTime: Lease.stamp(now),
                    renewTime: Lease.stamp(now), leaseTransitions: 0))
            do {
                let answer = try await client.send("POST", path, body: try JSONEncoder().encode(created))
                var uid = (try? JSONDecoder().decode(Lease.self, from: answer))?.metadata.uid
                if uid == nil { uid = try await read()?.metadata.uid }
                return .held(term: 0, lease: uid ?? "")
            } catch let error as KubeAPIError where error.isConflict {
                return .heldBy("another replica (it created the lease first)")
            }
        }
        let holder = lease.spec.holderIdentity ?? ""
        if holder != identity && !holder.isEmpty {
            // Expired only when this replica has watched the same record for the lease's duration.
            let record = "\(holder)|\(lease.spec.renewTime ?? "")|\(lease.metadata.resourceVersion ?? "")"
            if observed?.record != record { observed = (record, .now) }
            let limit = Duration.seconds(lease.spec.leaseDurationSeconds ?? seconds(duration))
            if let seen = observed, ContinuousClock.now - seen.at < limit { return .heldBy(holder) }
        }
        if holder != identity {
            lease.spec.acquireTime = Lease.stamp(now)
            lease.spec.leaseTransitions = (lease.spec.leaseTransitions ?? 0) + 1
        }
        lease.spec.holderIdentity = identity
        lease.spec.leaseDurationSeconds = seconds(duration)
        lease.spec.renewTime = Lease.stamp(now)
        do {
            _ = try await client.send("PUT", "\(path)/\(name)", body: try JSONEncoder().encode(lease))
            return .held(term: lease.spec.leaseTransitions ?? 0, lease: lease.metadata.uid ?? "")
        } catch let error as KubeAPIError where error.isConflict {
            return .heldBy("another replica (it wrote the lease first)")
        }
    }

    func read() async throws -> Lease? {
        do {
            return try JSONDecoder().decode(Lease.self, from: try await client.send("GET", "\(path)/\(name)"))
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    private func seconds(_ duration: Duration) -> Int { max(Int(duration.components.seconds), 1) }
}

/// The Lease object, as much as leader election needs.
struct Lease: Codable, Sendable {
    struct Metadata: Codable, Sendable {
        var name: String
        var namespace: String?
        var resourceVersion: String?
        var uid: String?
    }

    struct Spec: Codable, Sendable {
        var holderIdentity: String?
        var leaseDurationSeconds: Int?
        /// MicroTime: RFC 3339 with microseconds.
        var acquireTime: String?
        var renewTime: String?
        var leaseTransitions: Int?
    }

    var apiVersion = "coordination.k8s.io/v1"
    var kind = "Lease"
    var metadata: Metadata
    var spec: Spec

    static func stamp(_ date: Date) -> String {
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        let micros = Int((date.timeIntervalSince1970 - whole.timeIntervalSince1970) * 1_000_000)
        let base = whole.formatted(.iso8601).dropLast()  // "…:SS" without the "Z"
        return base + "." + String(format: "%06d", micros) + "Z"
    }
}
