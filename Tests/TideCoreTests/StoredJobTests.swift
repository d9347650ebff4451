import Foundation
import Testing
@testable import TideCore
@testable import TideStore
import TideJobs

/// The stored-name rule and the stored form `{metadata, spec, status}`.
@Suite struct StoredJobTests {
    // 2025-01-02 03:04:05 UTC
    static let time = Date(timeIntervalSince1970: 1_735_787_045)

    @Test func storedNameIsUTCStampThenCounter() {
        #expect(StoredName.make(for: "resnet", at: Self.time) { _ in false } == "resnet-20250102-030405")
        let taken: Set = ["resnet-20250102-030405", "resnet-20250102-030405-2"]
        #expect(StoredName.make(for: "resnet", at: Self.time) { taken.contains($0) } == "resnet-20250102-030405-3")
        // 24-hour clock: 15:00 is 15, not 03.
        #expect(StoredName.stamp(Date(timeIntervalSince1970: 1_735_830_000)) == "20250102-150000")
    }

    func sample() throws -> StoredJob {
        let spec = try JobSpecParser.parse(TrainingJobTests.specExample, format: .yaml)
        var job = StoredJob(submitting: spec, storedName: StoredName.make(for: spec.name, at: Self.time) { _ in false }, at: Self.time)
        job.status.state = .running
        job.status.workers = 4
        job.status.startedAt = Self.time.addingTimeInterval(12)
        return job
    }

    @Test func storedFormHasMetadataSpecStatus() throws {
        let job = try sample()
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(job)) as? [String: Any]
        let object = try #require(json)
        #expect(Set(object.keys) == ["metadata", "spec", "status"])
        #expect((object["metadata"] as? [String: Any])?["name"] as? String == "resnet50-cifar10-20250102-030405")
        #expect((object["metadata"] as? [String: Any])?["submittedName"] as? String == "resnet50-cifar10")
        #expect((object["spec"] as? [String: Any])?["accelerator"] as? String == "nvidia-tesla-v100")
        #expect((object["status"] as? [String: Any])?["state"] as? String == "Running")
        #expect(job.name == job.metadata.name)
        #expect(job.version == 1)
    }

    @Test func storedJobRoundTripsThroughJSONAndBSON() throws {
        let job = try sample()
        #expect(try JSONDecoder().decode(StoredJob.self, from: JSONEncoder().encode(job)) == job)
        #expect(try bsonRoundTrip(job) == job)
    }

    @Test func aStoredSpecThatBreaksARuleDoesNotDecode() throws {
        let job = try sample()
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(job)) as? [String: Any])
        var spec = try #require(object["spec"] as? [String: Any])
        spec["workers"] = ["min": 9, "max": 8]
        object["spec"] = spec
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StoredJob.self, from: data) }
    }

    @Test func terminalStates() {
        #expect(JobState.allCases.map(\.rawValue) == ["Submitted", "Waiting", "Running", "Completed", "Failed", "Canceled"])
        #expect(JobState.allCases.filter(\.isTerminal) == [.completed, .failed, .canceled])
    }
}
