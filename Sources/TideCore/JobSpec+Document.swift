import Foundation

extension JobSpec {
    /// The canonical `tide/v1` `TrainingJob` document: every field written,
    /// defaults included, the time limit in canonical form (`1h30m`).
    /// Parsing it gives back an equal job.
    public var document: JSONValue {
        .object([
            "apiVersion": .string(JobSource.trainingJob.rawValue),
            "kind": .string("TrainingJob"),
            "metadata": .object(["name": .string(name)]),
            "spec": specSection,
        ])
    }

    /// The `spec` mapping of `document`.
    public var specSection: JSONValue {
        var spec: [String: JSONValue] = [
            "accelerator": .string(accelerator),
            "workers": .object(["min": .int(Int64(workers.min)), "max": .int(Int64(workers.max))]),
            "requestedWorkers": .int(Int64(requestedWorkers)),
            "gpusPerWorker": .int(Int64(gpusPerWorker)),
            "priority": .int(Int64(priority)),
            "preemptible": .bool(preemptible),
            "queue": .string(queue),
            "epochs": .int(Int64(epochs)),
            "resize": .string(resize.rawValue),
            "maxRetries": .int(Int64(maxRetries)),
            "template": template,
        ]
        if let timeLimitSeconds { spec["timeLimit"] = .string(DurationText.text(seconds: timeLimitSeconds)) }
        if let failback { spec["failback"] = .object(["accelerator": .string(failback.accelerator)]) }
        if let checkpointVolume { spec["checkpointVolume"] = .object(["claimName": .string(checkpointVolume.claimName)]) }
        if let mpiJob { spec["mpiJob"] = mpiJob }
        return .object(spec)
    }

    /// The canonical document as JSON with sorted keys: byte-identical for equal jobs.
    public func canonicalJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue tree of finite numbers always encodes.
        return (try? encoder.encode(document)) ?? Data()
    }

    /// This job checked against every rule (by parsing its canonical document).
    public func validated() throws(JobSpecErrors) -> JobSpec {
        try JobSpecParser.parse(value: document)
    }
}

extension JobSpec: Codable {
    /// Decodes a job document (either kind, canonical or not) and validates it;
    /// a job that breaks a rule fails with `DecodingError.dataCorrupted` listing every error.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        do {
            self = try JobSpecParser.parse(value: value)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    /// Encodes the canonical `tide/v1` document.
    public func encode(to encoder: any Encoder) throws {
        try document.encode(to: encoder)
    }
}
