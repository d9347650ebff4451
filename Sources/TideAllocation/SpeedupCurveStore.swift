extension SpeedupCurve {
    /// Builds the curves of a round into one buffer.
    ///
    /// Every job has a curve every round: computed in place in one growing
    /// array, a curve costs no allocation of its own, and the round frees
    /// one buffer instead of thousands. Jobs that know nothing past one
    /// worker (most waiting jobs) share one span per shape: such a curve
    /// depends on nothing but the job's maximum and its linear limit.
    struct Store {
        /// Every curve's values, view after view. Read them through
        /// `curve(_:)` only once every curve is added: a curve holding the
        /// buffer would make the next `add` copy it.
        private(set) var values: [Double] = []

        private struct Key: Hashable {
            let width: Int
            let linearLimit: Int
        }

        private var unmeasured: [Key: Span] = [:]
        /// Shapes of everyday sizes, looked up by position instead of
        /// hashed: `small[width * smallLimits + linearLimit]` is one more
        /// than the index of its span in `smallSpans`, or 0.
        private var small: [Int32] = []
        private var smallSpans: [Span] = []
        private static let smallWidths = 32
        private static let smallLimits = 64

        init(reservingFor jobs: Int = 0) {
            values.reserveCapacity(jobs * 8)
        }

        /// The curve of `span`, reading the buffer as it is now.
        func curve(_ span: Span) -> SpeedupCurve {
            SpeedupCurve(storage: values, span: span)
        }

        /// Adds the curve the contract extrapolates from a job's table.
        mutating func add(table: [String: Double], measuredWorkers: [Int], requestedWorkers: Int, maxWorkers: Int) -> Span {
            let width = max(maxWorkers, 1)
            let linearLimit = measuredWorkers.max().map { 2 * $0 } ?? requestedWorkers
            // A table of nothing, or of its one-worker point alone, adds no known point.
            guard table.isEmpty || (table.count == 1 && table["1"] != nil) else {
                return build(table: table, width: width, linearLimit: linearLimit)
            }
            guard width < Self.smallWidths, linearLimit >= 0, linearLimit < Self.smallLimits else {
                let key = Key(width: width, linearLimit: linearLimit)
                if let known = unmeasured[key] { return known }
                let span = build(table: [:], width: width, linearLimit: linearLimit)
                unmeasured[key] = span
                return span
            }
            if small.isEmpty { small = Array(repeating: 0, count: Self.smallWidths * Self.smallLimits) }
            let slot = width * Self.smallLimits + linearLimit
            if small[slot] > 0 { return smallSpans[Int(small[slot]) - 1] }
            let span = build(table: [:], width: width, linearLimit: linearLimit)
            smallSpans.append(span)
            small[slot] = Int32(smallSpans.count)
            return span
        }

        private struct Point {
            var workers: Int
            var value: Double
        }

        private mutating func build(table: [String: Double], width: Int, linearLimit: Int) -> Span {
            let count = width + 1
            // Worked out on the stack, then appended whole: only the views
            // that differ from the one before them are kept.
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * count) { scratch in
                let measured = scratch.baseAddress!, planning = measured + count, hull = planning + count
                // The few known points live on the stack too.
                withUnsafeTemporaryAllocation(of: Point.self, capacity: table.count + 1) { buffer in
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
                    Self.fill(measured, width: width, known: UnsafeBufferPointer(rebasing: buffer[..<known]), linearLimit: linearLimit)
                }
                // Most tables rise and flatten: then the three views share one run of values.
                var dips = false
                for workers in stride(from: 2, through: width, by: 1) where measured[workers] < measured[workers - 1] {
                    dips = true
                    break
                }
                if dips {
                    planning.update(from: measured, count: count)
                    for workers in stride(from: 2, through: width, by: 1) {
                        planning[workers] = max(planning[workers], planning[workers - 1])
                    }
                }
                let planned = dips ? planning : measured
                let concave = Self.isConcave(planned, count: count)
                if !concave {
                    hull.update(from: planned, count: count)
                    Self.concaveHull(of: planned, into: hull, count: count)
                }
                var span = Span(measured: values.count, planning: values.count, hull: values.count, count: count)
                values.append(contentsOf: UnsafeBufferPointer(start: measured, count: count))
                if dips {
                    span.planning = values.count
                    values.append(contentsOf: UnsafeBufferPointer(start: planning, count: count))
                }
                span.hull = span.planning
                if !concave {
                    span.hull = values.count
                    values.append(contentsOf: UnsafeBufferPointer(start: hull, count: count))
                }
                return span
            }
        }

        /// Writes the curve at widths 0...width from the known points, sorted by width.
        private static func fill(_ values: UnsafeMutablePointer<Double>, width: Int, known: UnsafeBufferPointer<Point>, linearLimit: Int) {
            let widest = known[known.count - 1]
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
        }

        /// True when every step gains no more than the one before it.
        private static func isConcave(_ values: UnsafeMutablePointer<Double>, count: Int) -> Bool {
            guard count > 2 else { return true }
            for w in 2..<count where values[w] - values[w - 1] > values[w - 1] - values[w - 2] {
                return false
            }
            return true
        }

        /// Writes the upper concave hull of `values` over `hull`, a copy of them.
        private static func concaveHull(of values: UnsafeMutablePointer<Double>, into hull: UnsafeMutablePointer<Double>, count: Int) {
            guard count > 2 else { return }
            // Monotone chain over the points (w, values[w]), w from 0; the
            // vertices live on the stack.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { vertices in
                var top = 0
                for point in 0..<count {
                    while top >= 2 {
                        let a = vertices[top - 2], b = vertices[top - 1]
                        let cross = Double(b - a) * (values[point] - values[a]) - (values[b] - values[a]) * Double(point - a)
                        if cross >= 0 { top -= 1 } else { break }
                    }
                    vertices[top] = point
                    top += 1
                }
                for vertex in 1..<top {
                    let a = vertices[vertex - 1], b = vertices[vertex]
                    guard b - a > 1 else { continue }
                    for w in (a + 1)..<b {
                        hull[w] = values[a] + (values[b] - values[a]) * Double(w - a) / Double(b - a)
                    }
                }
            }
        }
    }
}
