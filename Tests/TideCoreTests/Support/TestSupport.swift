import Foundation
import Testing
@testable import TideCore
@testable import TideStore

/// The files under Fixtures/.
enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil), "no fixture \(name)")
        return try Data(contentsOf: url)
    }

    static let vodaTensorflow2 = [
        "tensorflow2-keras-mnist-elastic", "tf2-keras-cifar10-inceptionv3-elastic", "tf2-keras-cifar10-resnet50-elastic",
        "tf2-keras-cifar10-vgg16-elastic", "tf2-keras-transformer-elastic",
    ]
}

/// Parses YAML text, recording the errors as an issue if it is refused.
func parseYAML(_ text: String, options: JobSpecParser.Options = .init()) -> JobSpec? {
    do {
        return try JobSpecParser.parse(text, format: .yaml, options: options)
    } catch {
        Issue.record("refused:\n\(error)\n---\n\(text)")
        return nil
    }
}

/// The errors a document is refused with, or an issue if it is accepted.
func errors(
    _ text: String, format: JobSpecFormat = .yaml, options: JobSpecParser.Options = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> JobSpecErrors {
    do {
        let job = try JobSpecParser.parse(text, format: format, options: options)
        Issue.record("accepted: \(job)", sourceLocation: sourceLocation)
        return JobSpecErrors([])
    } catch {
        return error
    }
}

/// Through libbson as the store does it: extended JSON → bson_t → relaxed JSON → value.
func bsonRoundTrip<T: Codable>(_ value: T) throws -> T {
    let json = try BSONCoder.encode(value)
    let relaxed = try BSONDocument(json: json).relaxedJSON
    return try BSONCoder.decode(T.self, from: relaxed)
}

/// A minimal valid tide/v1 job in YAML, with `spec` lines replaced or added.
func tideYAML(name: String = "resnet50-cifar10", spec: [String: String] = [:], extra: String = "") -> String {
    var fields: [(String, String)] = [
        ("accelerator", "nvidia-tesla-v100"),
        ("workers", "{min: 1, max: 8}"),
        ("epochs", "60"),
        ("template", "{image: \"pixyzinc/pixyz-scheduler-worker:latest\", command: [\"python3\", \"train.py\"]}"),
    ]
    for (key, value) in spec.sorted(by: { $0.key < $1.key }) {
        if let index = fields.firstIndex(where: { $0.0 == key }) {
            fields[index].1 = value
        } else {
            fields.append((key, value))
        }
    }
    let specLines = fields.filter { !$0.1.isEmpty }.map { "  \($0.0): \($0.1)" }.joined(separator: "\n")
    return """
        apiVersion: tide/v1
        kind: TrainingJob
        metadata:
          name: \(name)
        spec:
        \(specLines)
        \(extra)
        """
}
