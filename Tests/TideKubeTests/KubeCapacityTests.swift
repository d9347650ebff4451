import Foundation
import PropertyBased
import TideKube
import Testing

@Suite struct KubeCapacityTests {
    static func node(_ name: String, gpus: String, label: String? = "v100", ready: Bool = true, cordoned: Bool = false) throws -> KubeNode {
        let labels = label.map { #"{"tide/accelerator": "\#($0)"}"# } ?? "{}"
        return try JSONDecoder().decode(KubeNode.self, from: Data(#"""
            {"metadata": {"name": "\#(name)", "labels": \#(labels)}, "spec": {"unschedulable": \#(cordoned)},
             "status": {"allocatable": {"nvidia.com/gpu": "\#(gpus)"}, "conditions": [{"type": "Ready", "status": "\#(ready ? "True" : "False")"}]}}
            """#.utf8))
    }

    static func pod(_ name: String, on node: String, gpus: Int, phase: String = "Running", tideJob: Bool = false, accelerator: String = "v100") throws -> KubePod {
        let labels = tideJob ? #"{"tide/job": "j", "tide/accelerator": "\#(accelerator)"}"# : "{}"
        return try JSONDecoder().decode(KubePod.self, from: Data(#"""
            {"metadata": {"name": "\#(name)", "labels": \#(labels)}, "spec": {"nodeName": "\#(node)",
             "containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "\#(gpus)"}}}]}, "status": {"phase": "\#(phase)"}}
            """#.utf8))
    }

    @Test func allocatableMinusWhatOthersHold() throws {
        let nodes = [
            try Self.node("a", gpus: "8"), try Self.node("b", gpus: "4", cordoned: true), try Self.node("c", gpus: "4", ready: false),
            try Self.node("t4", gpus: "4", label: "t4"), try Self.node("bad", gpus: "2.5"),
        ]
        let pods = [
            try Self.pod("other", on: "a", gpus: 3),
            try Self.pod("done", on: "a", gpus: 4, phase: "Succeeded"),
            try Self.pod("ours", on: "a", gpus: 2, tideJob: true),
            try Self.pod("other-type", on: "a", gpus: 1, tideJob: true, accelerator: "t4"),
            try Self.pod("greedy", on: "b", gpus: 9),
        ]
        let (offers, problems) = KubeCapacity.offers(nodes: nodes, pods: pods, labelKey: "tide/accelerator", accelerator: "v100")
        #expect(offers == [
            .init(node: "a", gpus: 4, schedulable: true), .init(node: "b", gpus: 0, schedulable: false),
            .init(node: "c", gpus: 4, schedulable: false),
        ])
        #expect(problems.map(\.node) == ["bad"])
    }

    @Test func offersStayWithinAllocatableWhateverThePods() async throws {
        let input = zip(Gen.int(in: 0...16), Gen.int(in: 0...8).array(of: 0...6), Gen.bool.array(of: 6))
        await propertyCheck(count: 500, input: input) { allocatable, requests, ours in
            let node = try Self.node("n", gpus: "\(allocatable)")
            let pods = try requests.enumerated().map { index, gpus in
                try Self.pod("p\(index)", on: "n", gpus: gpus, tideJob: ours[index % ours.count])
            }
            let offer = try #require(KubeCapacity.offers(nodes: [node], pods: pods, labelKey: "tide/accelerator", accelerator: "v100").offers.first)
            let others = requests.enumerated().filter { !ours[$0.offset % ours.count] }.map(\.element).reduce(0, +)
            #expect(offer.gpus == max(allocatable - others, 0))
        }
    }
}
