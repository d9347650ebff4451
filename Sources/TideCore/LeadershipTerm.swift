import Synchronization

/// The term of the scheduler replica that leads a GPU type, shared between the
/// leader election that learns it and the storage whose writes carry it.
///
/// A replica that lost the lease can still have writes under way (a database call
/// cannot be called back); carrying the term lets the database refuse those once a
/// later leader has written (fencing). Nil until this replica leads, and where no
/// election runs (one local scheduler per GPU type): its writes are then not fenced.
public final class LeadershipTerm: Sendable {
    /// A term of one lease: terms of the same lease compare, terms of two do not (two GPU
    /// types, whose jobs move between them on failback; a lease created again, whose count
    /// starts over).
    public struct Token: Sendable, Hashable {
        /// The lease's identity (its Kubernetes uid).
        public var lease: String
        /// Raised by every change of holder.
        public var number: Int

        public init(lease: String, number: Int) {
            self.lease = lease
            self.number = number
        }

        /// Whether a write carrying this token must be refused where `stored` was written.
        public func isEarlier(than stored: Token) -> Bool { stored.lease == lease && stored.number > number }
    }

    private let value = Mutex<Token?>(nil)

    public init() {}

    /// The term this replica leads in, if it leads.
    public var current: Token? { value.withLock { $0 } }

    /// This replica leads from now on, in `term`.
    public func begin(_ term: Token) { value.withLock { $0 = term } }
}
