/// The nodes grouped by how many free GPUs they have, each group in name
/// order, so that `Placer`'s best fit finds its node without scanning every
/// node for every job.
///
/// A value type: the placer saves and restores itself whole when a move
/// fails, and this index must go back with it.
struct NodeRooms {
    /// Free GPUs per node.
    private var rooms: [Int]
    /// Each node's position in name order.
    private let ranks: [Int]
    /// The node at each position in name order.
    private let nodeAtRank: [Int]
    /// `groups[r]`: the ranks of the nodes with `r` free GPUs, ascending.
    private var groups: [[Int]]

    init(rooms: [Int], ranks: [Int]) {
        self.rooms = rooms
        self.ranks = ranks
        var nodeAtRank = Array(repeating: 0, count: ranks.count)
        for (node, rank) in ranks.enumerated() { nodeAtRank[rank] = node }
        self.nodeAtRank = nodeAtRank
        groups = Array(repeating: [], count: (rooms.max() ?? 0) + 1)
        // Visiting nodes in name order leaves every group sorted.
        for node in nodeAtRank { groups[rooms[node]].append(ranks[node]) }
    }

    /// Records that `node` now has `room` free GPUs.
    mutating func update(_ node: Int, room: Int) {
        let old = rooms[node]
        guard old != room else { return }
        let rank = ranks[node]
        groups[old].remove(at: Self.position(of: rank, in: groups[old]))
        if room >= groups.count { groups.append(contentsOf: repeatElement([], count: room + 1 - groups.count)) }
        groups[room].insert(rank, at: Self.position(of: rank, in: groups[room]))
        rooms[node] = room
    }

    /// The node with the fewest free GPUs, at least `minimum`, first in
    /// name order among equals; `avoided` is never chosen.
    func fullest(atLeast minimum: Int, avoiding avoided: Int?) -> Int? {
        guard minimum < groups.count else { return nil }
        for room in max(minimum, 0)..<groups.count {
            if let node = first(in: groups[room], avoiding: avoided) { return node }
        }
        return nil
    }

    /// The node with the most free GPUs, if it has at least `minimum`, first
    /// in name order among equals; `avoided` is never chosen.
    func emptiest(atLeast minimum: Int, avoiding avoided: Int?) -> Int? {
        for room in stride(from: groups.count - 1, through: max(minimum, 0), by: -1) {
            if let node = first(in: groups[room], avoiding: avoided) { return node }
        }
        return nil
    }

    private func first(in group: [Int], avoiding avoided: Int?) -> Int? {
        for rank in group.prefix(2) where nodeAtRank[rank] != avoided { return nodeAtRank[rank] }
        return nil
    }

    /// Where `rank` is, or would go, in the ascending `group`.
    private static func position(of rank: Int, in group: [Int]) -> Int {
        var low = 0, high = group.count
        while low < high {
            let mid = (low + high) / 2
            if group[mid] < rank { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
