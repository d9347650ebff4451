enum BrokerBench { static func run(uri: String) async throws { print("broker benchmark: not written yet") } }
