/// A job's expected speedup at every width from 1 to its maximum.
///
/// Built from the snapshot's partial table by the contract's rules:
/// - speedup at one worker is 1;
/// - widths past the widest known point scale linearly from it up to twice the
///   widest measured width (or `requestedWorkers` when nothing was measured),
///   and stay flat beyond;
/// - holes between known points are filled by linear interpolation
///   (documented correction);
/// - a dip (a wider width measured slower than a narrower one) is kept in
///   `measured` but planning uses the running maximum, so no policy expects a
///   gain from adding workers that made the job slower (documented correction).
///
/// The values live in a buffer that all the curves of a round share
/// (`SpeedupCurve.Store`): a round builds thousands of curves, and one
/// allocation (and one release) per curve cost more than computing them.
public struct SpeedupCurve: Sendable, Equatable {
    /// `measured[w]` is the expected speedup at `w` workers; index 0 is 0.
    public var measured: Values { Values(storage: storage, start: span.measured, count: span.count) }
    /// `planning[w]`: the non-decreasing envelope of `measured`.
    public var planning: Values { Values(storage: storage, start: span.planning, count: span.count) }
    /// The upper concave hull of `planning`, whose steps have falling gains,
    /// so greedy one-worker steps find the best split of spare GPUs.
    public var hull: Values { Values(storage: storage, start: span.hull, count: span.count) }

    private let storage: [Double]
    private let span: Span

    /// Where one curve's three views start in a shared buffer. Views that
    /// would equal the one before them (no dip, already concave) share its values.
    struct Span: Equatable {
        var measured: Int
        var planning: Int
        var hull: Int
        /// Widths 0...maxWorkers.
        var count: Int
    }

    init(storage: [Double], span: Span) {
        self.storage = storage
        self.span = span
    }

    public init(table: [String: Double], measuredWorkers: [Int], requestedWorkers: Int, maxWorkers: Int) {
        var store = Store()
        let span = store.add(table: table, measuredWorkers: measuredWorkers, requestedWorkers: requestedWorkers, maxWorkers: maxWorkers)
        self.init(storage: store.values, span: span)
    }

    /// The measured (or extrapolated) speedup at `workers`, flat past the curve's last width.
    public func measuredSpeedup(_ workers: Int) -> Double {
        workers <= 0 ? 0 : storage[span.measured + min(workers, span.count - 1)]
    }

    /// The planning speedup at `workers` (0 at 0 workers, flat past the maximum).
    public func speedup(_ workers: Int) -> Double {
        workers <= 0 ? 0 : storage[span.planning + min(workers, span.count - 1)]
    }

    /// The gain of the step from `workers` to `workers + 1` along the hull.
    public func hullGain(from workers: Int) -> Double {
        guard workers + 1 < span.count else { return 0 }
        return storage[span.hull + workers + 1] - storage[span.hull + max(workers, 0)]
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.measured.elementsEqual(b.measured) && a.planning.elementsEqual(b.planning) && a.hull.elementsEqual(b.hull)
    }

    /// One view of a curve: its values at widths 0...maxWorkers.
    public struct Values: RandomAccessCollection, Sendable {
        fileprivate let storage: [Double]
        fileprivate let start: Int
        public let count: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(workers: Int) -> Double {
            precondition(workers >= 0 && workers < count, "width out of range")
            return storage[start + workers]
        }
    }
}
