import Foundation
import TideStack
import Testing

@Suite struct StackPartsTests {
    static let configuration = StackConfiguration(
        accelerator: "nvidia-a100", gpus: 8, amqpPort: 41000, amqpDistributionPort: 41001, mongoPort: 41002,
        binDirectory: "/opt/tide/bin", apiToken: "user-token", jobTokenSecret: "job-secret")
    static let paths = StackPaths(root: URL(fileURLWithPath: "/data/tide"))

    func parts(_ configuration: StackConfiguration = configuration) -> [String: StackPart] {
        Dictionary(uniqueKeysWithValues: StackParts.parts(configuration, paths: Self.paths, environment: ["PATH": "/usr/bin"]).map { ($0.name, $0) })
    }

    @Test func serversFirstThenTheServicesThenTheScheduler() {
        let levels = parts().mapValues(\.level)
        #expect(levels == ["rabbitmq": 0, "secantusdb": 0, "training-service": 1, "resource-allocator": 1, "scheduler": 2])
    }

    @Test func theDatabaseAlwaysSyncsOnCommitAndKeepsItsDataInTheStack() throws {
        let database = try #require(parts()["secantusdb"])
        #expect(database.arguments.contains("--sync-on-commit"))
        #expect(database.arguments.contains("/data/tide/secantusdb/data"))
        #expect(database.port == 41002 && database.readiness == .listening)
    }

    @Test func theBrokerRunsAsUserRabbitmqWithItsOwnNodeAndPorts() throws {
        let broker = try #require(parts()["rabbitmq"])
        #expect(Array(broker.arguments.prefix(4)) == ["-u", "rabbitmq", "--", "env"])
        #expect(broker.arguments.contains("RABBITMQ_NODE_PORT=41000"))
        #expect(broker.arguments.contains("RABBITMQ_DIST_PORT=41001"))
        #expect(broker.arguments.contains("RABBITMQ_NODENAME=tide-41000@localhost"))
    }

    @Test func servicesGetTheTokensDigestNeverTheToken() throws {
        let all = parts()
        let service = try #require(all["training-service"])
        #expect(service.environment["TIDE_API_PASSWORD_SHA256"]?.count == 64)
        for part in all.values {
            #expect(!part.environment.values.contains("user-token"), "\(part.name) sees the API token")
            #expect(!part.arguments.contains("user-token"))
        }
        #expect(all["scheduler"]?.environment["TIDE_JOB_TOKEN_SECRET"] == "job-secret")
    }

    @Test func theSchedulerRunsTheLocalBackendOnTheStacksDirectories() throws {
        let scheduler = try #require(parts()["scheduler"])
        #expect(scheduler.executable == "/opt/tide/bin/scheduler")
        let arguments = scheduler.arguments
        for (flag, value) in [
            ("--accelerator", "nvidia-a100"), ("--backend", "local"), ("--data-dir", "/data/tide/local"),
            ("--checkpoint-dir", "/data/tide/checkpoints"), ("--api-url", "http://127.0.0.1:55587"),
        ] {
            let index = try #require(arguments.firstIndex(of: flag), "\(flag) missing")
            #expect(arguments[index + 1] == value)
        }
    }

    @Test func externalServersReplaceTheBundledOnes() {
        var configuration = Self.configuration
        configuration.externalAMQPURI = "amqp://u:p@broker:5672/"
        configuration.externalMongoURI = "mongodb://db:27017/"
        let all = parts(configuration)
        #expect(all["rabbitmq"] == nil && all["secantusdb"] == nil)
        #expect(all["scheduler"]?.arguments.contains("amqp://u:p@broker:5672/") == true)
        #expect(all["training-service"]?.arguments.contains("mongodb://db:27017/") == true)
    }

    @Test func theConfigurationRoundTripsThroughItsFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Self.configuration.save(to: file)
        #expect(try StackConfiguration.load(from: file) == Self.configuration)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

@Suite struct RestartBackoffTests {
    let backoff = RestartBackoff()

    @Test func theFirstCrashRestartsWithinASecond() {
        #expect(backoff.delay(afterConsecutiveCrashes: 1) < .seconds(1))
    }

    @Test func repeatedCrashesWaitLongerUpToTheCeiling() {
        let delays = (1...30).map { backoff.delay(afterConsecutiveCrashes: $0) }
        for (earlier, later) in zip(delays, delays.dropFirst()) { #expect(earlier <= later) }
        #expect(delays.last == backoff.ceiling)
        #expect(delays[3] > delays[1])
    }

    @Test func aLongRunResetsTheCount() {
        #expect(backoff.crashes(after: 7, ranFor: .seconds(31)) == 1)
        #expect(backoff.crashes(after: 7, ranFor: .seconds(2)) == 8)
    }
}
