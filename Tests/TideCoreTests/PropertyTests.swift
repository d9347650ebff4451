import Foundation
import PropertyBased
import Testing
@testable import TideCore
@testable import TideStore

/// The parser never crashes, and valid jobs survive JSON and BSON unchanged.
@Suite(.shrinking) struct PropertyTests {
    static let cases = max(500, Int(ProcessInfo.processInfo.environment["TIDE_PROPERTY_CASES"] ?? "") ?? 0)

    /// Pieces of YAML and JSON syntax and of job documents, glued at random.
    static let yamlPieces = [
        "apiVersion: ", "tide/v1", "kubeflow.org/v1", "kind: ", "TrainingJob", "MPIJob", "metadata:", "name: ", "spec:",
        "workers: ", "{min: 1, max: 8}", "min", "max", "accelerator: ", "template:", "image: x", "env:", "- ", "  ",
        "\n", ": ", ":", "[", "]", "{", "}", ",", "\"", "'", "&a ", "*a", "!!int ", "!!str ", "!foo ", "<<: ", "? ",
        "|", ">", "---\n", "...\n", "%YAML 1.2\n", "#", "\t", "~", "null", "true", "yes", "1", "-1", "0x1F", "1e309",
        ".nan", "99999999999999999999", "1:30", "2h", "\u{0}", "é", "🚀", "\\", "\r", "mpiReplicaSpecs:", "Launcher:",
        "Worker:", "containers:", "value: ", "MIN_NP", "$x: ", "timeLimit: ", "resize: ", "live",
    ]

    @Test func arbitraryBytesNeverCrash() async {
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...200)
        await propertyCheck(count: Self.cases, input: bytes, Gen.bool) { bytes, json in
            expectOnlyJobSpecErrors(Data(bytes), format: json ? .json : .yaml)
        }
    }

    @Test func arbitraryYAMLishTextNeverCrashes() async {
        let text = Gen.element(of: Self.yamlPieces).array(of: 0...60).map { $0.compactMap { $0 }.joined() }
        await propertyCheck(count: Self.cases * 4, input: text, Gen.bool) { text, json in
            expectOnlyJobSpecErrors(Data(text.utf8), format: json ? .json : .yaml)
        }
    }

    @Test func mutatedValidDocumentsNeverCrash() async {
        let input = zip(JobGenerator.jobs, Gen.int(in: 0...10_000), Gen.int(in: 0...40), Gen.element(of: Self.yamlPieces), Gen.bool)
        await propertyCheck(count: Self.cases, input: input) { job, start, length, piece, json in
            var text = Array(String(decoding: job.canonicalJSON(), as: UTF8.self).unicodeScalars)
            let from = start % (text.count + 1)
            text.replaceSubrange(from..<min(text.count, from + length), with: (piece ?? "").unicodeScalars)
            var string = ""
            string.unicodeScalars.append(contentsOf: text)
            expectOnlyJobSpecErrors(Data(string.utf8), format: json ? .json : .yaml)
        }
    }

    @Test func validJobsRoundTripThroughJSON() async {
        await propertyCheck(count: Self.cases, input: JobGenerator.jobs) { job in
            let canonical = job.canonicalJSON()
            let parsed = try JobSpecParser.parse(data: canonical, format: .json)
            #expect(parsed == job, "\(String(decoding: canonical, as: UTF8.self))")
            #expect(parsed.canonicalJSON() == canonical, "canonical form is stable")
            #expect(try JSONDecoder().decode(JobSpec.self, from: JSONEncoder().encode(job)) == job)
            // JSON text is YAML too: the YAML reader agrees.
            #expect(try JobSpecParser.parse(data: canonical, format: .yaml) == job)
        }
    }

    @Test func validJobsRoundTripThroughBSON() async {
        await propertyCheck(count: Self.cases, input: JobGenerator.jobs) { job in
            let back = try bsonRoundTrip(job)
            #expect(back == job, "\(String(decoding: job.canonicalJSON(), as: UTF8.self))")
            let stored = StoredJob(
                submitting: job, storedName: job.name + "-20250101-000000", at: Date(timeIntervalSince1970: 1_735_689_600))
            let storedBack = try bsonRoundTrip(stored)
            #expect(storedBack == stored)
        }
    }

    @Test func generatedJobsAreValid() async {
        await propertyCheck(count: Self.cases, input: JobGenerator.jobs) { job in
            #expect(throws: Never.self) { try job.validated() }
        }
    }
}

/// Parsing returns a job or throws `JobSpecErrors` (typed throws make anything else impossible); an
/// error list is never empty and every error has a path and a message.
func expectOnlyJobSpecErrors(_ data: Data, format: JobSpecFormat) {
    do {
        _ = try JobSpecParser.parse(data: data, format: format, options: .init(defaultAccelerator: "gpu"))
    } catch {
        #expect(!error.errors.isEmpty)
        #expect(error.errors.allSatisfy { !$0.path.isEmpty && !$0.message.isEmpty }, "\(error)")
    }
}
