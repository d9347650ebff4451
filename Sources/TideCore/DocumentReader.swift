import Foundation
import Yams

/// Bytes to a `JSONValue` tree, reporting what makes a document unreadable.
///
/// YAML is read with the YAML 1.2 core schema: only `true`/`false` are
/// booleans (`yes`, `on` are strings), only `null`, `~` and nothing are null.
/// Duplicate keys, non-scalar keys, keys MongoDB cannot store (empty, `$…`, NUL)
/// and non-finite numbers are refused with their path.
enum DocumentReader {
    /// Larger documents are refused before parsing.
    static let maxBytes = 1 << 20
    /// More values than this (say, aliases expanding) are refused.
    static let maxValues = 200_000
    /// Deeper nesting is refused (libyaml stops at 1,000 on its own).
    static let maxDepth = 100

    static func read(_ data: Data, format: JobSpecFormat, problems: inout Problems) -> JSONValue? {
        guard !data.isEmpty else {
            problems.add(.documentPath, "is empty: expected a \(format == .json ? "JSON" : "YAML") job document")
            return nil
        }
        guard data.count <= maxBytes else {
            problems.add(.documentPath, "is \(data.count) bytes: a job document must be at most \(maxBytes) bytes")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            problems.add(.documentPath, "is not UTF-8 text")
            return nil
        }
        switch format {
        case .json: return readJSON(text, data: data, problems: &problems)
        case .yaml: return readYAML(text, problems: &problems)
        }
    }

    // MARK: JSON

    static func readJSON(_ text: String, data: Data, problems: inout Problems) -> JSONValue? {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            problems.add(.documentPath, "is not valid JSON: \(describe(error))")
            return nil
        }
        var budget = maxValues
        guard check(value, path: .documentPath, depth: 0, budget: &budget, problems: &problems) else { return nil }
        return value
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }

    /// Keys and numbers MongoDB and JSON can hold; depth and size bounds. False if the tree is refused whole.
    private static func check(
        _ value: JSONValue, path: String, depth: Int, budget: inout Int, problems: inout Problems
    ) -> Bool {
        budget -= 1
        if budget < 0 {
            problems.add(.documentPath, "has more than \(maxValues) values")
            return false
        }
        if depth > maxDepth {
            problems.add(path, "is nested more than \(maxDepth) levels deep")
            return false
        }
        switch value {
        case .double(let number) where !number.isFinite:
            problems.add(path, "must be a finite number (got \(number))")
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                guard check(element, path: path.at(index), depth: depth + 1, budget: &budget, problems: &problems)
                else { return false }
            }
        case .object(let members):
            for key in members.keys.sorted() {
                checkKey(key, path: path.dot(key), problems: &problems)
                guard check(members[key]!, path: path.dot(key), depth: depth + 1, budget: &budget, problems: &problems)
                else { return false }
            }
        default:
            break
        }
        return true
    }

    private static func checkKey(_ key: String, path: String, problems: inout Problems) {
        if key.isEmpty {
            problems.add(path, "keys must not be empty (the job store cannot hold them)")
        }
        if key.hasPrefix("$") {
            problems.add(path, "keys must not start with $ (the job store reserves them)")
        }
        if key.contains("\u{0}") {
            problems.add(path, "keys must not contain the NUL character")
        }
    }

    // MARK: YAML

    static func readYAML(_ text: String, problems: inout Problems) -> JSONValue? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            let keys = duplicates.map { "\"\($0.debugEscaped)\"" }.joined(separator: ", ")
            problems.add(
                .documentPath,
                "repeats the key \(keys) in one mapping (line \(context.mark.line)): keys must be unique")
            return nil
        } catch let error as YamlError {
            problems.add(.documentPath, "is not valid YAML: \(describe(error))")
            return nil
        } catch {
            problems.add(.documentPath, "is not valid YAML: \(error)")
            return nil
        }
        guard let root else {
            problems.add(.documentPath, "is empty: expected a YAML job document")
            return nil
        }
        var budget = maxValues
        return convert(root, path: .documentPath, depth: 0, budget: &budget, problems: &problems)
    }

    /// libyaml's problem and position, without the echoed source text.
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var text = "\(problem) at line \(mark.line), column \(mark.column)"
            if let context { text += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return text
        case .reader(let problem, let offset, _, _):
            return offset.map { "\(problem) at byte \($0)" } ?? problem
        default:
            return "\(error)"
        }
    }

    private static func convert(
        _ node: Node, path: String, depth: Int, budget: inout Int, problems: inout Problems
    ) -> JSONValue? {
        budget -= 1
        if budget < 0 {
            problems.add(.documentPath, "has more than \(maxValues) values (aliases expanding too far?)")
            return nil
        }
        if depth > maxDepth {
            problems.add(path, "is nested more than \(maxDepth) levels deep")
            return nil
        }
        switch node {
        case .scalar(let scalar):
            let value = YAMLScalar.resolve(scalar, path: path, problems: &problems)
            if case .double(let number) = value, !number.isFinite {
                problems.add(path, "must be a finite number (got \(scalar.string.debugEscaped))")
                return nil
            }
            return value
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            elements.reserveCapacity(sequence.count)
            for (index, element) in sequence.enumerated() {
                guard let value = convert(element, path: path.at(index), depth: depth + 1, budget: &budget, problems: &problems)
                else { return nil }
                elements.append(value)
            }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    problems.add(path, "has a key that is a \(keyNode.isSequence ? "list" : "mapping"): keys must be plain strings")
                    return nil
                }
                let key = keyScalar.string
                let childPath = path.dot(key)
                if members[key] != nil {
                    problems.add(childPath, "is given twice: keys must be unique")
                    continue
                }
                checkKey(key, path: childPath, problems: &problems)
                guard let value = convert(valueNode, path: childPath, depth: depth + 1, budget: &budget, problems: &problems)
                else { return nil }
                members[key] = value
            }
            return .object(members)
        case .alias:
            problems.add(path, "is an alias, which Tide does not accept")
            return nil
        }
    }
}

private extension Node {
    var isSequence: Bool {
        if case .sequence = self { return true }
        return false
    }
}
