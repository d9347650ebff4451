import ArgumentParser
import Foundation
import TideCore
import Yams

/// `-o`: a table (the default), a wide table, JSON or YAML.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table = ""
    case wide, json, yaml

    static var allValueStrings: [String] { ["wide", "json", "yaml"] }

    /// `value` as JSON (indented, sorted keys) or YAML (sorted keys), for `-o json|yaml`.
    static func document(_ value: JSONValue, as format: OutputFormat) throws -> String {
        switch format {
        case .yaml:
            return try Yams.serialize(node: yamlNode(value), sortKeys: true)
        default:
            return String(decoding: try JSONCoding.encode(value, pretty: true), as: UTF8.self) + "\n"
        }
    }

    private static func yamlNode(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .int(let number): return Node(String(number), Tag(.int))
        case .double(let number): return Node(String(number), Tag(.float))
        case .string(let text):
            // A string that would read back as another type (or empty) is quoted.
            let plain = Node(text)
            let ambiguous = text.isEmpty || plain.int != nil || plain.float != nil || plain.bool != nil
                || plain.null != nil
            return Node(text, Tag(.str), ambiguous ? .doubleQuoted : .any)
        case .array(let elements): return Node(elements.map(yamlNode))
        case .object(let members):
            return Node(members.sorted { $0.key < $1.key }.map { (Node($0.key), yamlNode($0.value)) })
        }
    }
}
