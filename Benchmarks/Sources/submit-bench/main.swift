// Job submission through the training service's API against the raw cost of what a
// submission waits for: the job insert, the event insert and one confirmed publish, with
// the same libraries, documents and servers, measured in the same run. Run by
// `make bench-submit` under scripts/with-servers.sh (TIDE_TEST_AMQP_URI, TIDE_TEST_MONGO_URI).
//
//   submit-bench [SEQUENTIAL] [CONCURRENT]   submissions with 1 client and with 8 (default 500 and 1000)
import Foundation

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let environment = ProcessInfo.processInfo.environment
guard let amqpURI = environment["TIDE_TEST_AMQP_URI"], let mongoURI = environment["TIDE_TEST_MONGO_URI"] else {
    FileHandle.standardError.write(Data("run under scripts/with-servers.sh (make bench-submit)\n".utf8))
    exit(2)
}
try await SubmitBench(amqpURI: amqpURI, mongoURI: mongoURI)
    .run(sequential: arguments.first ?? 500, concurrent: arguments.dropFirst().first ?? 1000)
