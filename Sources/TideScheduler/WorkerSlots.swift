import TideAllocation

/// Turns a decision's placement into worker slots and back.
public enum WorkerSlots {
    /// The placement's GPUs cut into workers of `gpusPerWorker`, node by node,
    /// indexed from 0 in that order.
    public static func slots(for placement: [NodeGPUs], gpusPerWorker: Int) -> [WorkerSlot] {
        var slots: [WorkerSlot] = []
        for group in placement {
            let gpus = group.gpus.sorted()
            var start = 0
            while start + gpusPerWorker <= gpus.count {
                slots.append(WorkerSlot(index: slots.count, node: group.node, gpus: Array(gpus[start..<start + gpusPerWorker])))
                start += gpusPerWorker
            }
        }
        return slots
    }

    /// The placement the slots hold: one group per node, nodes in first-use
    /// order, GPUs ascending.
    public static func placement(of slots: [WorkerSlot]) -> [NodeGPUs] {
        var order: [String] = []
        var gpus: [String: [Int]] = [:]
        for slot in slots {
            if gpus[slot.node] == nil { order.append(slot.node) }
            gpus[slot.node, default: []].append(contentsOf: slot.gpus)
        }
        return order.map { NodeGPUs(node: $0, gpus: gpus[$0]!.sorted()) }
    }

    /// The placement's GPUs by node.
    static func gpusByNode(_ placement: [NodeGPUs]) -> [String: Set<Int>] {
        placement.reduce(into: [:]) { $0[$1.node, default: []].formUnion($1.gpus) }
    }

    /// Whether two placements hold the same GPUs, whatever their order.
    public static func same(_ a: [NodeGPUs], _ b: [NodeGPUs]) -> Bool {
        gpusByNode(a) == gpusByNode(b)
    }

    /// Slots for a live-resized job growing into `placement`: the current
    /// slots kept, new ones cut from the GPUs they do not hold, numbered on.
    /// Nil when `placement` does not contain every current slot.
    public static func grown(_ current: [WorkerSlot], into placement: [NodeGPUs], gpusPerWorker: Int) -> [WorkerSlot]? {
        var free = gpusByNode(placement)
        for slot in current {
            guard let onNode = free[slot.node], Set(slot.gpus).isSubset(of: onNode) else { return nil }
            free[slot.node] = onNode.subtracting(slot.gpus)
        }
        let added = slots(
            for: placement.compactMap { group in
                let left = group.gpus.filter { free[group.node]?.contains($0) == true }
                return left.isEmpty ? nil : NodeGPUs(node: group.node, gpus: left)
            }, gpusPerWorker: gpusPerWorker)
        let next = (current.map(\.index).max() ?? -1) + 1
        return current + added.enumerated().map { offset, slot in
            WorkerSlot(index: next + offset, node: slot.node, gpus: slot.gpus)
        }
    }
}
