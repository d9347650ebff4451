extension SpeedupCurve {
    /// Shares one curve between the jobs of a round that know nothing past
    /// one worker.
    ///
    /// Such a curve depends on nothing but the job's maximum and its linear
    /// limit, and most waiting jobs have one: sharing it saves building (and
    /// allocating) thousands of identical curves per round.
    struct Cache {
        private struct Key: Hashable {
            let width: Int
            let linearLimit: Int
        }

        private var unmeasured: [Key: SpeedupCurve] = [:]
        /// The first keys seen, searched before `unmeasured`: a round has a
        /// handful of shapes, and comparing a few beats hashing one.
        private var recent: [(key: Key, curve: SpeedupCurve)] = []
        private static let recentLimit = 16

        /// The same curve as `SpeedupCurve(table:measuredWorkers:requestedWorkers:maxWorkers:)`.
        mutating func curve(table: [String: Double], measuredWorkers: [Int], requestedWorkers: Int, maxWorkers: Int) -> SpeedupCurve {
            // A table of nothing, or of its one-worker point alone, adds no known point.
            guard table.isEmpty || (table.count == 1 && table["1"] != nil) else {
                return SpeedupCurve(
                    table: table, measuredWorkers: measuredWorkers, requestedWorkers: requestedWorkers, maxWorkers: maxWorkers)
            }
            let key = Key(width: max(maxWorkers, 1), linearLimit: measuredWorkers.max().map { 2 * $0 } ?? requestedWorkers)
            for entry in recent where entry.key == key { return entry.curve }
            if let known = unmeasured[key] { return known }
            let curve = SpeedupCurve(
                table: [:], measuredWorkers: measuredWorkers, requestedWorkers: requestedWorkers, maxWorkers: maxWorkers)
            if recent.count < Self.recentLimit {
                recent.append((key, curve))
            } else {
                unmeasured[key] = curve
            }
            return curve
        }
    }
}
