import Foundation
import Testing
import TideBroker
import TideTestSupport

/// A consumer process killed before it acks: the broker redelivers its messages.
@Suite struct KilledConsumerTests {
    @Test func messagesOfAKilledConsumerAreRedelivered() async throws {
        let configuration = try Broker.configuration()
        let (queue, topology) = Broker.queue("killed")
        let publisher = try await Publisher(configuration: configuration, topology: topology, logger: Broker.logger)
        defer { publisher.close() }
        let count = 20
        for index in 0..<count { try await publisher.publish(exchange: "", routingKey: queue, body: Data("\(index)".utf8)) }

        let probe = Process()
        probe.executableURL = try Self.probeExecutable()
        probe.arguments = [try TestServers.amqpURI, queue, "\(count)"]
        let output = Pipe()
        probe.standardOutput = output
        try probe.run()
        defer { if probe.isRunning { kill(probe.processIdentifier, SIGKILL) } }
        let line = try await withTimeout(.seconds(30), "the probe to hold \(count) messages") {
            try await offPool { Self.readLine(output.fileHandleForReading) }
        }
        #expect(line == "received \(count)")
        kill(probe.processIdentifier, SIGKILL)
        try await withTimeout(.seconds(10), "the killed probe to exit") { try await offPool { probe.waitUntilExit() } }
        #expect(probe.terminationReason == .uncaughtSignal)

        let consumer = try await Consumer(configuration: configuration, queue: queue, prefetch: 50, logger: Broker.logger)
        defer { consumer.close() }
        let deliveries = try await Inbox(consumer).take(count)
        #expect(Set(deliveries.map { String(decoding: $0.body, as: UTF8.self) }) == Set((0..<count).map(String.init)))
        #expect(deliveries.filter(\.redelivered).count == count)
    }

    /// One line of the probe's output (blocking).
    static func readLine(_ handle: FileHandle) -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1)
            guard let byte = chunk.first, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The built `tide-broker-probe`: next to the test binary (any scratch path), else in a `.build*` folder.
    static func probeExecutable() throws -> URL {
        let name = "tide-broker-probe"
        var candidates: [URL] = []
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for base in [Bundle.main.executableURL, testBinary, URL(fileURLWithPath: CommandLine.arguments[0])].compactMap({ $0 }) {
            var folder = base.deletingLastPathComponent()
            for _ in 0..<4 {  // macOS nests the test binary in x.xctest/Contents/MacOS
                candidates.append(folder.appendingPathComponent(name))
                folder = folder.deletingLastPathComponent()
            }
        }
        let root = TestServers.repositoryRoot
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.filter { $0.hasPrefix(".build") } ?? []
        for folder in scratch {
            candidates.append(root.appendingPathComponent("\(folder)/debug/\(name)"))
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestServerError("\(name) not found; looked at:\n" + candidates.map(\.path).joined(separator: "\n"))
        }
        return found
    }
}
