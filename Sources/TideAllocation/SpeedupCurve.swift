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
public struct SpeedupCurve: Sendable, Equatable {
    /// `measured[w]` is the expected speedup at `w` workers; index 0 is 0.
    public let measured: [Double]
    /// `planning[w]`: the non-decreasing envelope of `measured`.
    public let planning: [Double]
    /// The upper concave hull of `planning`, whose steps have falling gains,
    /// so greedy one-worker steps find the best split of spare GPUs.
    public let hull: [Double]

    public init(table: [String: Double], measuredWorkers: [Int], requestedWorkers: Int, maxWorkers: Int) {
        let width = max(maxWorkers, 1)
        let linearLimit = measuredWorkers.max().map { 2 * $0 } ?? requestedWorkers
        // Every job builds a curve every round: the few known points live on
        // the stack, and only the curve itself is allocated.
        var values = withUnsafeTemporaryAllocation(of: Point.self, capacity: table.count + 1) { buffer in
            var known = 1
            buffer[0] = Point(workers: 1, value: 1)
            for (key, value) in table {
                guard let workers = WorkerCountKey.parse(key), workers > 1, value.isFinite, value > 0 else { continue }
                // Insertion sort: tables hold a handful of points, and keys are distinct widths.
                var slot = known
                while buffer[slot - 1].workers > workers {
                    buffer[slot] = buffer[slot - 1]
                    slot -= 1
                }
                buffer[slot] = Point(workers: workers, value: value)
                known += 1
            }
            return Self.fill(width: width, known: UnsafeBufferPointer(rebasing: buffer[..<known]), linearLimit: linearLimit)
        }
        measured = values
        // Most tables rise and flatten: then the three views share one buffer.
        var dips = false
        for workers in stride(from: 2, through: width, by: 1) where values[workers] < values[workers - 1] {
            dips = true
            break
        }
        if dips {
            for workers in stride(from: 2, through: width, by: 1) {
                values[workers] = max(values[workers], values[workers - 1])
            }
        }
        planning = values
        hull = Self.isConcave(values) ? values : Self.concaveHull(values)
    }

    private struct Point {
        var workers: Int
        var value: Double
    }

    /// The curve at widths 0...width from the known points, sorted by width.
    private static func fill(width: Int, known: UnsafeBufferPointer<Point>, linearLimit: Int) -> [Double] {
        let widest = known[known.count - 1]
        // Written in place: `Array(repeating:count:)` goes through the
        // runtime's generic metadata lookup here, which costs more than the curve.
        return [Double](unsafeUninitializedCapacity: width + 1) { values, count in
            values[0] = 0
            var next = 0
            for workers in 1...width {
                while next + 1 < known.count && known[next + 1].workers <= workers { next += 1 }
                let low = known[next]
                if workers == low.workers {
                    values[workers] = low.value
                } else if next + 1 < known.count {
                    let high = known[next + 1]
                    let fraction = Double(workers - low.workers) / Double(high.workers - low.workers)
                    values[workers] = low.value + fraction * (high.value - low.value)
                } else {
                    let linearUpTo = max(widest.workers, min(workers, linearLimit))
                    values[workers] = low.value * Double(linearUpTo) / Double(widest.workers)
                }
            }
            count = width + 1
        }
    }

    /// The planning speedup at `workers` (0 at 0 workers, flat past the maximum).
    public func speedup(_ workers: Int) -> Double {
        workers <= 0 ? 0 : planning[min(workers, planning.count - 1)]
    }

    /// The gain of the step from `workers` to `workers + 1` along the hull.
    public func hullGain(from workers: Int) -> Double {
        guard workers + 1 < hull.count else { return 0 }
        return hull[workers + 1] - hull[max(workers, 0)]
    }

    /// True when every step gains no more than the one before it.
    private static func isConcave(_ values: [Double]) -> Bool {
        guard values.count > 2 else { return true }
        for w in 2..<values.count where values[w] - values[w - 1] > values[w - 1] - values[w - 2] {
            return false
        }
        return true
    }

    private static func concaveHull(_ values: [Double]) -> [Double] {
        guard values.count > 2 else { return values }
        var result = values
        // Monotone chain over the points (w, values[w]), w from 0; the
        // vertices live on the stack.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: values.count) { vertices in
            var count = 0
            for point in 0..<values.count {
                while count >= 2 {
                    let a = vertices[count - 2], b = vertices[count - 1]
                    let cross = Double(b - a) * (values[point] - values[a]) - (values[b] - values[a]) * Double(point - a)
                    if cross >= 0 { count -= 1 } else { break }
                }
                vertices[count] = point
                count += 1
            }
            for vertex in 1..<count {
                let a = vertices[vertex - 1], b = vertices[vertex]
                guard b - a > 1 else { continue }
                for w in (a + 1)..<b {
                    result[w] = values[a] + (values[b] - values[a]) * Double(w - a) / Double(b - a)
                }
            }
        }
        return result
    }
}
