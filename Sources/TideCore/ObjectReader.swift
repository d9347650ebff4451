/// A value read from a document, with where it was and how messages name it.
struct Sourced<Value> {
    var value: Value
    /// The field path errors about this value name.
    var path: String
    /// How messages about other fields refer to this one (`spec.workers.max`, or `MAX_NP` in an MPIJob).
    var label: String
    /// The value as written, for "(got …)".
    var shown: String
}

/// Typed reads of one mapping's fields, each type error reported with its path.
///
/// An explicit `null` counts as absent, as in Kubernetes.
struct ObjectReader {
    let path: String
    let members: [String: JSONValue]

    init(members: [String: JSONValue], path: String) {
        self.members = members
        self.path = path
    }

    /// Reads `value` as a mapping; reports "is required" (if `required`) or a type error.
    init?(_ value: JSONValue?, path: String, required: Bool, expecting: String, problems: inout Problems) {
        switch value {
        case .object(let members):
            self.init(members: members, path: path)
        case nil, .null?:
            if required { problems.add(path, "is required: \(expecting)") }
            return nil
        case let other?:
            problems.add(path, "must be a mapping (\(expecting)), got \(other.kindName)")
            return nil
        }
    }

    func value(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func child(_ key: String) -> String { path.dot(key) }

    func requireMissing(_ key: String, _ message: String, problems: inout Problems) {
        problems.add(child(key), "is required: \(message)")
    }

    func string(_ key: String, required: String? = nil, problems: inout Problems) -> Sourced<String>? {
        let path = child(key)
        switch value(key) {
        case .string(let text)?:
            return Sourced(value: text, path: path, label: path, shown: "\"\(text.debugEscaped)\"")
        case nil:
            if let required { problems.add(path, "is required: \(required)") }
            return nil
        case let other?:
            problems.add(path, "must be a string, got \(other.kindName) (\(other.brief))")
            return nil
        }
    }

    func int(_ key: String, required: String? = nil, problems: inout Problems) -> Sourced<Int>? {
        let path = child(key)
        guard let value = value(key) else {
            if let required { problems.add(path, "is required: \(required)") }
            return nil
        }
        return Self.wholeNumber(value, path: path, problems: &problems)
    }

    /// A whole number; one too large for `Int` is clamped so range checks refuse it with its text.
    static func wholeNumber(_ value: JSONValue, path: String, problems: inout Problems) -> Sourced<Int>? {
        switch value {
        case .int(let number):
            let clamped = number > Int64(Int.max) ? Int.max : number < Int64(Int.min) ? Int.min : Int(number)
            return Sourced(value: clamped, path: path, label: path, shown: String(number))
        case .double(let number) where number.rounded() == number:
            return Sourced(value: number < 0 ? Int.min : Int.max, path: path, label: path, shown: "\(number)")
        case .double(let number):
            problems.add(path, "must be a whole number (got \(number))")
        case .string(let text):
            problems.add(path, "must be a whole number, not a string (got \"\(text.debugEscaped)\"): write it without quotes")
        case let other:
            problems.add(path, "must be a whole number, got \(other.kindName)")
        }
        return nil
    }

    func bool(_ key: String, problems: inout Problems) -> Bool? {
        switch value(key) {
        case .bool(let flag)?:
            return flag
        case nil:
            return nil
        case .string(let text)?:
            problems.add(child(key), "must be true or false (got \"\(text.debugEscaped)\")")
            return nil
        case let other?:
            problems.add(child(key), "must be true or false, got \(other.kindName) (\(other.brief))")
            return nil
        }
    }

    /// Reports every key not in `allowed`, sorted, naming the ones that are.
    func refuseUnknown(_ allowed: [String], in what: String, problems: inout Problems) {
        let known = Set(allowed)
        for key in members.keys.sorted() where !known.contains(key) {
            problems.add(child(key), "is not a field of \(what); its fields are \(allowed.joined(separator: ", "))")
        }
    }
}
