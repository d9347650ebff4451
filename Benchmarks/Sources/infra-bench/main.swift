// Raw costs of Tide's broker and store libraries against real servers, the
// floor later issues measure their overhead against. Run by `make bench-infra`
// under scripts/with-servers.sh, which exports TIDE_TEST_AMQP_URI and
// TIDE_TEST_MONGO_URI.
//
//   infra-bench broker     confirmed publish latency and rate, RPC round trip
//   infra-bench store      insert and versioned update, 1 and 8 clients
//   infra-bench            both
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let which = Set(arguments.isEmpty ? ["broker", "store"] : Array(arguments))
let environment = ProcessInfo.processInfo.environment
guard let amqpURI = environment["TIDE_TEST_AMQP_URI"], let mongoURI = environment["TIDE_TEST_MONGO_URI"] else {
    FileHandle.standardError.write(Data("run under scripts/with-servers.sh (make bench-infra)\n".utf8))
    exit(2)
}
if which.contains("broker") { try await BrokerBench.run(uri: amqpURI) }
if which.contains("store") { try await StoreBench.run(uri: mongoURI) }
