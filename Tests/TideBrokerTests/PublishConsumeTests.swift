import Foundation
import Testing
import TideBroker
import TideTestSupport

@Suite struct PublishConsumeTests {
    @Test func messageArrivesWithItsProperties() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("props")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        let consumer = try await Consumer(configuration: configuration, queue: queue, topology: topology, logger: Broker.logger)
        defer { publisher.close(); consumer.close() }
        let properties = MessageProperties(
            contentType: "application/json", messageID: "m-1", correlationID: "c-1", replyTo: "somewhere",
            headers: ["attempt": .int(3), "job": .string("resnet"), "urgent": .bool(true)])
        try await publisher.publish(exchange: "", routingKey: queue, body: Data(#"{"a":1}"#.utf8), properties: properties)

        let delivery = try #require(try await Inbox(consumer).take(1).first)
        #expect(delivery.body == Data(#"{"a":1}"#.utf8))
        #expect(delivery.exchange == "")
        #expect(delivery.routingKey == queue)
        #expect(!delivery.redelivered)
        #expect(delivery.properties == properties)  // persistent (delivery mode 2) included
        #expect(delivery.properties.persistent)
    }

    @Test func publisherGivesEachMessageAnID() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("ids")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        let consumer = try await Consumer(configuration: configuration, queue: queue, logger: Broker.logger)
        defer { publisher.close(); consumer.close() }
        for _ in 0..<2 { try await publisher.publish(exchange: "", routingKey: queue, body: Data("x".utf8)) }
        let ids = try await Inbox(consumer).take(2).compactMap(\.properties.messageID)
        #expect(ids.count == 2 && Set(ids).count == 2)
    }

    @Test func manyConcurrentPublishesAreEachConfirmedAndDelivered() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("burst")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        let consumer = try await Consumer(configuration: configuration, queue: queue, prefetch: 200, logger: Broker.logger)
        defer { publisher.close(); consumer.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask { try await publisher.publish(exchange: "", routingKey: queue, body: Data("\(index)".utf8)) }
            }
            try await group.waitForAll()
        }
        let bodies = try await Inbox(consumer).take(500).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(Set(bodies) == Set((0..<500).map(String.init)))
    }

    @Test func schedulerQueueGetsItsKeysAndNoOthers() async throws {
        let configuration = try Broker.configuration()
        let accelerator = TestServers.uniqueName("gpu")
        let other = TestServers.uniqueName("gpu")
        let topology = try Topology.scheduler(accelerator: accelerator)
        let consumer = try await Consumer(configuration: configuration, queue: try BrokerNames.schedulerQueue(accelerator: accelerator),
                                          topology: topology, logger: Broker.logger)
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        defer { publisher.close(); consumer.close() }
        // Others first: the queue keeps publish order, so if none of them is first, none got in.
        let unwanted = [
            (BrokerNames.jobsExchange, try BrokerNames.jobKey(accelerator: other, .created)),
            (BrokerNames.eventsExchange, try BrokerNames.nodeChangedKey(accelerator: other)),
            (BrokerNames.eventsExchange, BrokerNames.statusKey(job: "some-job")),
            (BrokerNames.jobsExchange, "\(accelerator).created.extra"),
        ]
        let wanted = [
            (BrokerNames.jobsExchange, try BrokerNames.jobKey(accelerator: accelerator, .created)),
            (BrokerNames.jobsExchange, try BrokerNames.jobKey(accelerator: accelerator, .deleted)),
            (BrokerNames.eventsExchange, try BrokerNames.nodeChangedKey(accelerator: accelerator)),
            (BrokerNames.eventsExchange, try BrokerNames.metricsUpdatedKey(accelerator: accelerator)),
        ]
        for (exchange, key) in unwanted + wanted {
            try await publisher.publish(exchange: exchange, routingKey: key, body: Data(key.utf8))
        }
        let received = try await Inbox(consumer).take(4)
        #expect(received.map(\.routingKey) == wanted.map(\.1))
        #expect(received.map(\.exchange) == wanted.map(\.0))
    }

    @Test func nackWithRequeueRedelivers() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("nack")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        let consumer = try await Consumer(configuration: configuration, queue: queue, logger: Broker.logger)
        defer { publisher.close(); consumer.close() }
        try await publisher.publish(exchange: "", routingKey: queue, body: Data("again".utf8))
        let inbox = Inbox(consumer, ack: false)
        let first = try #require(try await inbox.take(1).first)
        #expect(!first.redelivered)
        try await first.nack(requeue: true)
        let second = try #require(try await inbox.take(1).first)
        try await second.ack()
        #expect(second.redelivered)
        #expect(second.body == Data("again".utf8))
    }

    @Test func unackedMessagesStopAtPrefetchAndGoBackOnClose() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("prefetch")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        defer { publisher.close() }
        for index in 0..<10 { try await publisher.publish(exchange: "", routingKey: queue, body: Data("\(index)".utf8)) }
        let first = try await Consumer(configuration: configuration, queue: queue, prefetch: 3, logger: Broker.logger)
        let firstInbox = Inbox(first, ack: false)
        let held = try await firstInbox.take(3)
        #expect(await firstInbox.drain(for: .milliseconds(500)).isEmpty)  // prefetch 3: no fourth before an ack
        first.close()
        let second = try await Consumer(configuration: configuration, queue: queue, prefetch: 20, logger: Broker.logger)
        defer { second.close() }
        let all = try await Inbox(second).take(10)
        let redelivered = Set(all.filter(\.redelivered).map(\.body))
        #expect(redelivered == Set(held.map(\.body)))
        let error = await #expect(throws: BrokerError.self) { try await held[0].ack() }
        #expect(error == .staleDelivery(deliveryTag: held[0].deliveryTag))
    }

    @Test func singleActiveConsumerHasOneConsumerAtATime() async throws {
        let configuration = try Broker.configuration()
        let name = TestServers.uniqueName("sac")
        let topology = Topology(queues: [Topology.Queue(name, singleActiveConsumer: true)])
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        let active = try await Consumer(configuration: configuration, queue: name, topology: topology, logger: Broker.logger)
        let standby = try await Consumer(configuration: configuration, queue: name, topology: topology, logger: Broker.logger)
        defer { publisher.close(); standby.close() }
        for index in 0..<10 { try await publisher.publish(exchange: "", routingKey: name, body: Data("a\(index)".utf8)) }
        #expect(try await Inbox(active).take(10).count == 10)
        let standbyInbox = Inbox(standby)
        #expect(await standbyInbox.drain(for: .milliseconds(500)).isEmpty)
        active.close()
        for index in 0..<5 { try await publisher.publish(exchange: "", routingKey: name, body: Data("b\(index)".utf8)) }
        let taken = try await standbyInbox.take(5)
        #expect(taken.map { String(decoding: $0.body, as: UTF8.self) } == (0..<5).map { "b\($0)" })
    }

    @Test func unroutableMandatoryMessageFailsItsPublish() async throws {
        let configuration = try Broker.configuration()
        let publisher = try await Publisher(configuration: configuration, topology: .exchanges, logger: Broker.logger)
        defer { publisher.close() }
        let key = try BrokerNames.jobKey(accelerator: TestServers.uniqueName("nobody"), .created)
        let error = await #expect(throws: BrokerError.self) {
            try await publisher.publish(exchange: BrokerNames.jobsExchange, routingKey: key, body: Data(), mandatory: true)
        }
        guard case .unroutable(BrokerNames.jobsExchange, key, let reply) = error else {
            Issue.record("expected unroutable, got \(String(describing: error))")
            return
        }
        #expect(reply.contains("NO_ROUTE"))
        // Without mandatory the broker confirms and drops it, as AMQP says.
        try await publisher.publish(exchange: BrokerNames.jobsExchange, routingKey: key, body: Data())
    }

    @Test func missingExchangeFailsThatPublishOnly() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("after-404")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        let consumer = try await Consumer(configuration: configuration, queue: queue, logger: Broker.logger)
        defer { publisher.close(); consumer.close() }
        let missing = TestServers.uniqueName("no-exchange")
        let error = await #expect(throws: BrokerError.self) {
            try await publisher.publish(exchange: missing, routingKey: "x", body: Data())
        }
        guard case .channelClosed(404, let text, _) = error else {
            Issue.record("expected 404, got \(String(describing: error))")
            return
        }
        #expect(text.contains(missing))
        try await publisher.publish(exchange: "", routingKey: queue, body: Data("still works".utf8))
        #expect(try await Inbox(consumer).take(1).first?.body == Data("still works".utf8))
    }

    @Test func closedPublisherThrowsClosed() async throws {
        let publisher = try await Publisher(configuration: try Broker.configuration(), logger: Broker.logger)
        publisher.close()
        try await Task.sleep(for: .milliseconds(200))
        let error = await #expect(throws: BrokerError.self) {
            try await publisher.publish(exchange: "", routingKey: "anything", body: Data())
        }
        guard case .closed = error else {
            Issue.record("expected closed, got \(String(describing: error))")
            return
        }
    }
}
