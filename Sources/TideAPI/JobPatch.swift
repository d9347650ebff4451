import Foundation
import TideCore

/// A JSON merge patch of a job's spec: only `spec.priority` and `spec.workers.max` may change.
///
/// Pure: the patched spec is re-validated by the job parser, so a patch can
/// never store a job the create path would refuse.
enum JobPatch {
    /// The fields a patch may set, as paths.
    static let patchable = ["spec.priority", "spec.workers.max"]

    /// `spec` with `patch` applied, validated; every problem as a field error.
    static func apply(_ patch: JSONValue, to spec: JobSpec) throws(JobSpecErrors) -> JobSpec {
        var problems: [FieldError] = []
        guard case .object(let root) = patch else {
            throw JobSpecErrors([FieldError(
                path: "(document)", message: "must be a JSON merge patch object such as {\"spec\": {\"priority\": 5}}")])
        }
        var document = spec.document
        for (key, value) in root.sorted(by: { $0.key < $1.key }) {
            guard key == "spec", case .object(let specPatch) = value else {
                problems.append(refusal(key))
                continue
            }
            for (field, change) in specPatch.sorted(by: { $0.key < $1.key }) {
                switch (field, change) {
                case ("priority", _):
                    document = set(document, ["spec", "priority"], change)
                case ("workers", .object(let workers)):
                    for (bound, limit) in workers.sorted(by: { $0.key < $1.key }) {
                        guard bound == "max" else {
                            problems.append(refusal("spec.workers.\(bound)"))
                            continue
                        }
                        document = set(document, ["spec", "workers", "max"], limit)
                        document = clampRequested(document, to: limit)
                    }
                default:
                    problems.append(refusal("spec.\(field)"))
                }
            }
        }
        if !problems.isEmpty { throw JobSpecErrors(problems) }
        return try JobSpecParser.parse(value: document)
    }

    private static func refusal(_ path: String) -> FieldError {
        FieldError(path: path, message: "cannot be patched; a patch may set only \(patchable.joined(separator: " and "))")
    }

    /// Lowering the maximum below the requested width lowers the width too (it defaults to the maximum).
    private static func clampRequested(_ document: JSONValue, to limit: JSONValue) -> JSONValue {
        guard case .int(let max) = limit, case .int(let requested)? = document["spec"]?["requestedWorkers"],
              requested > max, max >= 1
        else { return document }
        return set(document, ["spec", "requestedWorkers"], .int(max))
    }

    private static func set(_ value: JSONValue, _ path: [String], _ newValue: JSONValue) -> JSONValue {
        guard let key = path.first else { return newValue }
        var members = value.objectValue ?? [:]
        members[key] = set(members[key] ?? .object([:]), Array(path.dropFirst()), newValue)
        return .object(members)
    }
}
