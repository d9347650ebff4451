enum StoreBench { static func run(uri: String) async throws { print("store benchmark: not written yet") } }
