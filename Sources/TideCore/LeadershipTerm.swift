import Synchronization

/// The term of the scheduler replica that leads a GPU type, shared between the
/// leader election that learns it and the storage whose writes carry it.
///
/// A replica that lost the lease can still have writes under way (a database call
/// cannot be called back); carrying the term lets the database refuse those once a
/// later leader has written (fencing). Nil until this replica leads, and where no
/// election runs (one local scheduler per GPU type): its writes are then not fenced.
public final class LeadershipTerm: Sendable {
    private let value = Mutex<Int?>(nil)

    public init() {}

    /// The term this replica leads in, if it leads.
    public var current: Int? { value.withLock { $0 } }

    /// This replica leads from now on, in `term`.
    public func begin(_ term: Int) { value.withLock { $0 = term } }
}
