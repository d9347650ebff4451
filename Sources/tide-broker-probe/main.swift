// A consumer that takes messages and never acks them, for the broker tests:
//
//   tide-broker-probe AMQP_URI QUEUE COUNT
//
// consumes QUEUE (prefetch COUNT), prints "received COUNT" once it holds COUNT
// unacked deliveries, then sleeps until the test kills it.
import Foundation
import Logging
import TideBroker

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]), count > 0 else {
    FileHandle.standardError.write(Data("usage: tide-broker-probe AMQP_URI QUEUE COUNT\n".utf8))
    exit(2)
}
var logger = Logger(label: "tide-broker-probe")
logger.logLevel = .warning
do {
    let configuration = try BrokerConfiguration(uri: arguments[1])
    let consumer = try await Consumer(configuration: configuration, queue: arguments[2], prefetch: count, logger: logger)
    var held: [Delivery] = []
    for try await delivery in consumer {
        held.append(delivery)
        if held.count == count {
            // Unbuffered: the test waits for this line while the probe sleeps.
            FileHandle.standardOutput.write(Data("received \(count)\n".utf8))
            try await Task.sleep(for: .seconds(3600))
        }
    }
} catch {
    FileHandle.standardError.write(Data("tide-broker-probe: \(error)\n".utf8))
    exit(1)
}
