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
        var known: [(Int, Double)] = [(1, 1)]
        known.reserveCapacity(table.count + 1)
        for (key, value) in table {
            guard let workers = WorkerCountKey.parse(key), workers > 1, value.isFinite, value > 0 else { continue }
            known.append((workers, value))
        }
        known.sort { $0.0 < $1.0 }
        let widestKnown = known.last!.0
        let linearLimit = measuredWorkers.max().map { 2 * $0 } ?? requestedWorkers

        var values = [Double](repeating: 0, count: width + 1)
        var next = 0
        for workers in 1...width {
            while next + 1 < known.count && known[next + 1].0 <= workers { next += 1 }
            let (lowWorkers, lowValue) = known[next]
            if workers == lowWorkers {
                values[workers] = lowValue
            } else if next + 1 < known.count {
                let (highWorkers, highValue) = known[next + 1]
                let fraction = Double(workers - lowWorkers) / Double(highWorkers - lowWorkers)
                values[workers] = lowValue + fraction * (highValue - lowValue)
            } else {
                let linearUpTo = max(widestKnown, min(workers, linearLimit))
                values[workers] = lowValue * Double(linearUpTo) / Double(widestKnown)
            }
        }
        measured = values
        // Most tables rise and flatten: then the three views share one buffer.
        if values.indices.dropFirst(2).contains(where: { values[$0] < values[$0 - 1] }) {
            for workers in stride(from: 2, through: width, by: 1) {
                values[workers] = max(values[workers], values[workers - 1])
            }
        }
        planning = values
        hull = Self.isConcave(values) ? values : Self.concaveHull(values)
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
        // Monotone chain over the points (w, values[w]), w from 0.
        var vertices: [Int] = []
        for point in 0..<values.count {
            while vertices.count >= 2 {
                let a = vertices[vertices.count - 2], b = vertices[vertices.count - 1]
                let cross = Double(b - a) * (values[point] - values[a]) - (values[b] - values[a]) * Double(point - a)
                if cross >= 0 { vertices.removeLast() } else { break }
            }
            vertices.append(point)
        }
        var result = values
        for (a, b) in zip(vertices, vertices.dropFirst()) where b - a > 1 {
            for w in (a + 1)..<b {
                result[w] = values[a] + (values[b] - values[a]) * Double(w - a) / Double(b - a)
            }
        }
        return result
    }
}
