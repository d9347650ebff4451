import Testing
@testable import TideStore
import TideTestSupport
@Test func serversAreConfigured() throws { _ = try TestServers.mongoURI }
