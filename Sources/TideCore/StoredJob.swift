import Foundation

/// A job as stored and served: `{metadata, spec, status}`.
///
/// `spec` is the job's canonical `spec` mapping (`JobSpec.specSection`), so
/// a stored job reads like the submitted one with defaults written out.
/// Dates are `Date`s (BSON dates in the store).
public struct StoredJob: Sendable, Hashable {
    /// The stored identity of a job.
    public struct Metadata: Sendable, Hashable, Codable {
        /// The unique stored name, `StoredName.make` of the submitted one.
        public var name: String
        /// `metadata.name` as submitted.
        public var submittedName: String
        /// When the job was stored.
        public var created: Date
        /// 1 when created, one more on every write (optimistic concurrency).
        public var version: Int

        public init(name: String, submittedName: String, created: Date, version: Int) {
            self.name = name
            self.submittedName = submittedName
            self.created = created
            self.version = version
        }
    }

    public var metadata: Metadata
    public var spec: JobSpec
    public var status: JobStatus

    public init(metadata: Metadata, spec: JobSpec, status: JobStatus) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// A newly submitted job: version 1, state Submitted, no workers.
    public init(submitting spec: JobSpec, storedName: String, at time: Date) {
        self.init(
            metadata: Metadata(name: storedName, submittedName: spec.name, created: time, version: 1), spec: spec,
            status: JobStatus(state: .submitted, submittedAt: time))
    }

    /// The stored name (`metadata.name`).
    public var name: String { metadata.name }

    /// `metadata.version`.
    public var version: Int {
        get { metadata.version }
        set { metadata.version = newValue }
    }
}

extension StoredJob: Codable {
    enum CodingKeys: String, CodingKey {
        case metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decode(Metadata.self, forKey: .metadata)
        status = try container.decode(JobStatus.self, forKey: .status)
        let section = try container.decode(JSONValue.self, forKey: .spec)
        let document = JSONValue.object([
            "apiVersion": .string(JobSource.trainingJob.rawValue), "kind": .string("TrainingJob"),
            "metadata": .object(["name": .string(metadata.submittedName)]), "spec": section,
        ])
        do {
            spec = try JobSpecParser.parse(value: document)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath + [CodingKeys.spec], debugDescription: error.description,
                      underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(spec.specSection, forKey: .spec)
        try container.encode(status, forKey: .status)
    }
}
