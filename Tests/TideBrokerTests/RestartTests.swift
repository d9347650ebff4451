import Foundation
import Testing
import TideBroker
import TideTestSupport

/// Tests that stop and start a broker of their own.
@Suite(.serialized) struct RestartTests {
    @Test func everyConfirmedMessageSurvivesABrokerRestartMidway() async throws {
        let server = ServerProcess(.rabbitmq)
        defer { server.remove() }
        let configuration = try Broker.configuration(uri: try await offPool { try server.start() })
        let (queue, topology) = Broker.queue("restart")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        defer { publisher.close() }

        let total = 1000
        let confirmed = Locked<Set<Int>>([])
        let failures = Locked<[String]>([])
        let confirmedAtStop = Locked<Int?>(nil)
        try await withTimeout(.seconds(120), "1,000 confirms across a restart") {
          try await withThrowingTaskGroup(of: Void.self) { group in
            // 8 publishers, each publishing its share one after another, paced so the restart lands mid-stream.
            for lane in 0..<8 {
                group.addTask {
                    for index in stride(from: lane, to: total, by: 8) {
                        do {
                            try await publisher.publish(exchange: "", routingKey: queue, body: Data("\(index)".utf8),
                                                        properties: MessageProperties(messageID: "m-\(index)"))
                            confirmed.withLock { _ = $0.insert(index) }
                        } catch {
                            failures.withLock { $0.append("\(index): \(error)") }
                        }
                        // About 200 a second in all: the stop (a few seconds) lands well before the last.
                        try await Task.sleep(for: .milliseconds(40))
                    }
                }
            }
            group.addTask {
                while confirmed.withLock({ $0.count }) < 200 { try await Task.sleep(for: .milliseconds(5)) }
                try await offPool { try server.stop() }
                confirmedAtStop.withLock { $0 = confirmed.withLock { $0.count } }
                try await offPool { _ = try server.start() }
            }
            try await group.waitForAll()
          }
        }
        #expect(failures.withLock { $0 } == [])
        let atStop = try #require(confirmedAtStop.withLock { $0 })
        #expect(atStop < total, "the restart should happen while messages are still being published")
        #expect(confirmed.withLock { $0.count } == total)

        let consumer = try await Consumer(configuration: configuration, queue: queue, prefetch: 500, logger: Broker.logger)
        defer { consumer.close() }
        let inbox = Inbox(consumer)
        var seen = Set<String>()
        var received = 0
        while seen.count < total {
            let batch = try await inbox.take(1, within: .seconds(20))
            received += batch.count
            seen.formUnion(batch.map { String(decoding: $0.body, as: UTF8.self) })
        }
        #expect(seen == Set((0..<total).map(String.init)))
        #expect(received >= total)  // At least once: a resend after a lost confirm may add duplicates.
    }

    @Test func consumerKeepsConsumingAfterABrokerRestart() async throws {
        let server = ServerProcess(.rabbitmq)
        defer { server.remove() }
        let configuration = try Broker.configuration(uri: try await offPool { try server.start() })
        let (queue, topology) = Broker.queue("reconsume")
        let consumer = try await Consumer(configuration: configuration, queue: queue, topology: topology, logger: Broker.logger)
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        defer { consumer.close(); publisher.close() }
        let inbox = Inbox(consumer, ack: false)
        for index in 0..<3 { try await publisher.publish(exchange: "", routingKey: queue, body: Data("before-\(index)".utf8)) }
        let before = try await inbox.take(3)
        try await before[0].ack()
        try await before[1].ack()
        let unacked = before[2]

        try await offPool { try server.stop() }
        try await offPool { _ = try server.start() }

        for index in 0..<3 { try await publisher.publish(exchange: "", routingKey: queue, body: Data("after-\(index)".utf8)) }
        let after = try await inbox.take(4, within: .seconds(30))
        for delivery in after { try await delivery.ack() }
        let bodies = after.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(Set(bodies) == ["before-2", "after-0", "after-1", "after-2"])
        // The unacked delivery's connection is gone: its ack cannot reach the broker.
        let error = await #expect(throws: BrokerError.self) { try await unacked.ack() }
        #expect(error == .staleDelivery(deliveryTag: unacked.deliveryTag))
    }
}
