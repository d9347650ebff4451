import Testing
import TideBroker

@Suite struct TopologyTests {
    @Test func schedulerQueueFollowsTheSpec() throws {
        let topology = try Topology.scheduler(accelerator: "a100")
        #expect(Set(topology.exchanges.map(\.name)) == ["tide.jobs", "tide.events"])
        #expect(topology.exchanges.allSatisfy { $0.kind == .topic && $0.durable })
        let queue = try #require(topology.queues.first)
        #expect(topology.queues.count == 1)
        #expect(queue.name == "tide.scheduler.a100")
        #expect(queue.durable && queue.singleActiveConsumer)
        #expect(Set(topology.bindings.map { "\($0.exchange) \($0.routingKey)" }) == [
            "tide.jobs a100.*", "tide.events node.a100.changed", "tide.events metrics.a100.updated",
        ])
    }

    @Test func tideTopologyHoldsEverythingOnce() throws {
        let topology = try Topology.tide(accelerators: ["a100", "v100"])
        #expect(Set(topology.queues.map(\.name)) == [
            "tide.allocator", "tide.progress", "tide.scheduler.a100", "tide.scheduler.v100",
        ])
        #expect(topology.exchanges.count == 2)
        #expect(topology.bindings.count == 6)
    }

    @Test(arguments: ["", "A100", "a100.*", "#", "-a100", "a100-", "a_100", String(repeating: "a", count: 41)])
    func rejectsAcceleratorNamesThatAreNotRoutingKeyWords(name: String) {
        #expect(throws: BrokerError.self) { try Topology.scheduler(accelerator: name) }
        #expect(throws: BrokerError.self) { try BrokerNames.jobKey(accelerator: name, .created) }
    }

    @Test func routingKeysFollowTheSpec() throws {
        #expect(try BrokerNames.jobKey(accelerator: "rtx-4090", .deleted) == "rtx-4090.deleted")
        #expect(try BrokerNames.nodeChangedKey(accelerator: "v100") == "node.v100.changed")
        #expect(try BrokerNames.metricsUpdatedKey(accelerator: "v100") == "metrics.v100.updated")
        #expect(BrokerNames.statusKey(job: "resnet") == "status.resnet")
    }
}
