import PropertyBased
import TideAllocation
import TideScheduler
import Testing

@Suite struct WorkerSlotsTests {
    @Test func cutsPlacementsIntoWorkersNodeByNode() {
        let slots = WorkerSlots.slots(
            for: [NodeGPUs(node: "b", gpus: [3, 1, 2, 0]), NodeGPUs(node: "a", gpus: [6, 7])], gpusPerWorker: 2)
        #expect(slots == [
            WorkerSlot(index: 0, node: "b", gpus: [0, 1]), WorkerSlot(index: 1, node: "b", gpus: [2, 3]),
            WorkerSlot(index: 2, node: "a", gpus: [6, 7]),
        ])
        #expect(WorkerSlots.placement(of: slots) == [NodeGPUs(node: "b", gpus: [0, 1, 2, 3]), NodeGPUs(node: "a", gpus: [6, 7])])
    }

    @Test func placementsRoundTripThroughSlots() async {
        let group = zip(Gen.int(in: 0...3), Gen.int(in: 0...7).array(of: 0...8)).map { node, gpus in
            NodeGPUs(node: "n\(node)", gpus: Array(Set(gpus)).sorted())
        }
        let input = zip(group.array(of: 0...4), Gen.int(in: 1...4))
        await propertyCheck(count: 500, input: input) { groups, size in
            // One group per node, whole workers only: what a decision gives.
            var seen = Set<String>()
            let placement = groups.filter { seen.insert($0.node).inserted && !$0.gpus.isEmpty }
                .map { NodeGPUs(node: $0.node, gpus: Array($0.gpus.prefix($0.gpus.count / size * size))) }
                .filter { !$0.gpus.isEmpty }
            let slots = WorkerSlots.slots(for: placement, gpusPerWorker: size)
            #expect(slots.count == placement.reduce(0) { $0 + $1.gpus.count } / size)
            #expect(slots.map(\.index) == Array(0..<slots.count))
            #expect(slots.allSatisfy { $0.gpus.count == size })
            #expect(WorkerSlots.same(WorkerSlots.placement(of: slots), placement))
        }
    }

    @Test func growingKeepsEveryWorkerAndNumbersNewOnesOn() {
        let current = [WorkerSlot(index: 0, node: "a", gpus: [0]), WorkerSlot(index: 1, node: "a", gpus: [1])]
        let grown = WorkerSlots.grown(
            current, into: [NodeGPUs(node: "a", gpus: [0, 1, 2]), NodeGPUs(node: "b", gpus: [5])], gpusPerWorker: 1)
        #expect(grown == current + [WorkerSlot(index: 2, node: "a", gpus: [2]), WorkerSlot(index: 3, node: "b", gpus: [5])])
        #expect(WorkerSlots.grown(current, into: [NodeGPUs(node: "a", gpus: [1, 2])], gpusPerWorker: 1) == nil)
    }
}
