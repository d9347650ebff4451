import Foundation

/// Reads a submitted job document into a validated `JobSpec`.
///
/// Accepts `tide/v1` `TrainingJob` and Voda's `kubeflow.org/v1` `MPIJob`, as
/// YAML or JSON. Bad input is refused whole: `JobSpecErrors` lists every
/// problem found, each with its field path and the rule it breaks. Pure:
/// no I/O, no clock.
public enum JobSpecParser {
    /// What the server adds to documents that leave something to it.
    public struct Options: Sendable, Hashable {
        /// The GPU type for an MPIJob whose workers name none (the server's `--default-accelerator`).
        public var defaultAccelerator: String?

        public init(defaultAccelerator: String? = nil) {
            self.defaultAccelerator = defaultAccelerator
        }
    }

    /// Parses and validates `data` in `format`.
    public static func parse(
        data: Data, format: JobSpecFormat, options: Options = Options()
    ) throws(JobSpecErrors) -> JobSpec {
        var problems = Problems()
        guard let value = DocumentReader.read(data, format: format, problems: &problems) else {
            throw JobSpecErrors(problems.errors)
        }
        return try parse(value: value, options: options, problems: problems)
    }

    /// Parses and validates `text` in `format`.
    public static func parse(
        _ text: String, format: JobSpecFormat, options: Options = Options()
    ) throws(JobSpecErrors) -> JobSpec {
        try parse(data: Data(text.utf8), format: format, options: options)
    }

    /// Validates a document already read into a tree (as the REST layer or a decoder may have it).
    public static func parse(value: JSONValue, options: Options = Options()) throws(JobSpecErrors) -> JobSpec {
        try parse(value: value, options: options, problems: Problems())
    }

    private static func parse(
        value: JSONValue, options: Options, problems start: Problems
    ) throws(JobSpecErrors) -> JobSpec {
        var problems = start
        guard case .object(let members) = value else {
            problems.add(
                .documentPath,
                "must be a mapping with apiVersion, kind, metadata and spec, got \(value.kindName)")
            throw JobSpecErrors(problems.errors)
        }
        let root = ObjectReader(members: members, path: "")
        let apiVersion = root.string("apiVersion", problems: &problems)
        let kind = root.string("kind", problems: &problems)
        let draft: JobDraft
        switch (apiVersion?.value, kind?.value) {
        case ("tide/v1", "TrainingJob"):
            draft = TrainingJobReader.read(root, problems: &problems)
        case ("kubeflow.org/v1", "MPIJob"):
            draft = MPIJobReader.read(root, options: options, problems: &problems)
        default:
            reportKind(apiVersion: apiVersion, kind: kind, members: members, problems: &problems)
            throw JobSpecErrors(problems.errors)
        }
        if let job = draft.validate(problems: &problems) {
            return job
        }
        throw JobSpecErrors(problems.errors)
    }

    static let kinds = ["tide/v1": "TrainingJob", "kubeflow.org/v1": "MPIJob"]

    private static func reportKind(
        apiVersion: Sourced<String>?, kind: Sourced<String>?, members: [String: JSONValue], problems: inout Problems
    ) {
        let accepted = "tide/v1 (kind TrainingJob) or kubeflow.org/v1 (kind MPIJob)"
        if let apiVersion {
            if let expected = kinds[apiVersion.value] {
                if let kind {
                    problems.add(kind.path, "must be \(expected) for apiVersion \(apiVersion.value) (got \(kind.shown))")
                } else if members["kind"] == nil || members["kind"] == .null {
                    problems.add("kind", "is required: \(expected) for apiVersion \(apiVersion.value)")
                }
            } else {
                problems.add(apiVersion.path, "must be \(accepted) (got \(apiVersion.shown))")
            }
        } else if members["apiVersion"] == nil || members["apiVersion"] == .null {
            problems.add("apiVersion", "is required: \(accepted)")
        }
        if apiVersion == nil || kinds[apiVersion!.value] == nil {
            if let kind, !kinds.values.contains(kind.value) {
                problems.add(kind.path, "must be TrainingJob or MPIJob (got \(kind.shown))")
            } else if kind == nil, members["kind"] == nil || members["kind"] == .null {
                problems.add("kind", "is required: TrainingJob (apiVersion tide/v1) or MPIJob (apiVersion kubeflow.org/v1)")
            }
        }
    }
}
