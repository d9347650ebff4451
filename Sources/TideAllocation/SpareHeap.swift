/// A binary max-heap of candidate workers for the spare phase: highest gain
/// first, ties to the job earlier in policy order.
struct SpareHeap {
    struct Entry {
        var gain: Double
        var rank: Int
        var job: Int

        func beats(_ other: Entry) -> Bool {
            gain != other.gain ? gain > other.gain : rank < other.rank
        }
    }

    private var entries: [Entry] = []

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].beats(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < entries.count && entries[left].beats(entries[best]) { best = left }
            if right < entries.count && entries[right].beats(entries[best]) { best = right }
            if best == parent { break }
            entries.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
