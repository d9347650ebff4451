/// The GPUs one job holds while `Placer` works, node by node.
///
/// A job holds GPUs on one node or a few: a short list searched in place
/// costs less than a dictionary per job, which allocates and hashes.
struct JobHoldings {
    struct Group {
        var node: Int
        /// In the order taken; `Placer` sorts them when it writes the placement.
        var gpus: [Int]
    }

    private(set) var groups: [Group] = []

    var isEmpty: Bool { groups.isEmpty }

    /// The GPUs held on `node`, if any.
    subscript(node: Int) -> [Int]? {
        for group in groups where group.node == node { return group.gpus }
        return nil
    }

    /// Adds `gpus` on `node`, beside any already held there.
    mutating func add<GPUs: Collection<Int>>(_ gpus: GPUs, on node: Int) {
        for position in groups.indices where groups[position].node == node {
            groups[position].gpus.append(contentsOf: gpus)
            return
        }
        groups.append(Group(node: node, gpus: Array(gpus)))
    }

    /// Gives up everything held on `node` and returns it.
    mutating func remove(node: Int) -> [Int]? {
        guard let position = groups.firstIndex(where: { $0.node == node }) else { return nil }
        return groups.remove(at: position).gpus
    }
}
