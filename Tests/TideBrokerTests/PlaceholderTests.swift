import Testing
@testable import TideBroker
import TideTestSupport
@Test func serversAreConfigured() throws { _ = try TestServers.amqpURI }
