import Foundation
import TideAPI
import TideCore
import Yams

/// Checks JSON values against the schemas of the checked-in OpenAPI 3.0 document: the
/// keywords openapi.yaml uses ($ref, type and nullable, enum, required, properties,
/// additionalProperties, items, minimum/maximum and exclusiveMinimum, minLength/maxLength,
/// pattern, allOf/anyOf/oneOf/not). Unknown keywords are an error, so a schema the
/// validator cannot read fails the test instead of passing it.
///
/// Unchecked: `schemas` holds plain values read once and never changed.
struct SchemaValidator: @unchecked Sendable {
    let schemas: [String: Any]

    init() throws {
        let document = try Yams.load(yaml: String(decoding: OpenAPIDocument.data, as: UTF8.self)) as? [String: Any]
        schemas = ((document?["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
    }

    /// Every violation of the component schema `name` by `json`, as "path: problem".
    func problems(_ json: Data, against name: String) throws -> [String] {
        let value = try JSONDecoder().decode(JSONValue.self, from: json)
        return problems(value, ["$ref": "#/components/schemas/\(name)"], path: "")
    }

    static let known: Set = [
        "$ref", "type", "nullable", "enum", "required", "properties", "additionalProperties", "items", "minimum",
        "maximum", "exclusiveMinimum", "minLength", "maxLength", "pattern", "allOf", "anyOf", "oneOf", "not",
        "description", "example", "format", "default",
    ]

    func problems(_ value: JSONValue, _ schema: [String: Any], path: String) -> [String] {
        if let unknown = schema.keys.first(where: { !Self.known.contains($0) }) {
            return ["\(path): the validator does not know the keyword \(unknown)"]
        }
        if let ref = schema["$ref"] as? String {
            let name = String(ref.dropFirst("#/components/schemas/".count))
            guard let target = schemas[name] as? [String: Any] else { return ["\(path): no schema \(ref)"] }
            return problems(value, target, path: path)
        }
        var found: [String] = []
        if value == .null {
            if schema["type"] != nil && schema["nullable"] as? Bool != true { return ["\(path): null is not allowed"] }
        } else if let type = schema["type"] as? String, !Self.matches(value, type: type) {
            return ["\(path): \(value) is not of type \(type)"]
        }
        // OpenAPI 3.0.3: nullable does not add null to an enum; the enum lists it (Yams reads it as NSNull).
        if let choices = schema["enum"] as? [Any],
            !choices.contains(where: { value == .null ? $0 is NSNull : "\($0)" == value.stringValue })
        {
            found.append("\(path): \(value) is not one of \(choices)")
        }
        found += objectProblems(value, schema, path: path) + arrayProblems(value, schema, path: path)
        found += numberProblems(value, schema, path: path) + stringProblems(value, schema, path: path)
        for sub in schema["allOf"] as? [[String: Any]] ?? [] { found += problems(value, sub, path: path) }
        if let anyOf = schema["anyOf"] as? [[String: Any]], !anyOf.contains(where: { problems(value, $0, path: path).isEmpty }) {
            found.append("\(path): matches none of anyOf")
        }
        if let oneOf = schema["oneOf"] as? [[String: Any]] {
            let matching = oneOf.filter { problems(value, $0, path: path).isEmpty }.count
            if matching != 1 { found.append("\(path): matches \(matching) of oneOf") }
        }
        if let not = schema["not"] as? [String: Any], problems(value, not, path: path).isEmpty {
            found.append("\(path): matches the schema under not")
        }
        return found
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int),
            ("number", .int), ("number", .double):
            return true
        default:
            return false
        }
    }

    /// A number of the schema, as Yams reads it.
    static func number(_ value: Any?) -> Double? {
        (value as? Int).map(Double.init) ?? (value as? Double)
    }

    private func objectProblems(_ value: JSONValue, _ schema: [String: Any], path: String) -> [String] {
        guard case .object(let object) = value else { return [] }
        var found: [String] = []
        for key in schema["required"] as? [String] ?? [] where object[key] == nil {
            found.append("\(path).\(key): is required")
        }
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for (key, member) in object {
            if let sub = properties[key] as? [String: Any] {
                found += problems(member, sub, path: "\(path).\(key)")
            } else if schema["additionalProperties"] as? Bool == false {
                found.append("\(path).\(key): is not a property of the schema")
            }
        }
        return found
    }

    private func arrayProblems(_ value: JSONValue, _ schema: [String: Any], path: String) -> [String] {
        guard case .array(let array) = value, let items = schema["items"] as? [String: Any] else { return [] }
        return array.enumerated().flatMap { problems($1, items, path: "\(path)[\($0)]") }
    }

    private func numberProblems(_ value: JSONValue, _ schema: [String: Any], path: String) -> [String] {
        let number: Double
        switch value {
        case .int(let whole): number = Double(whole)
        case .double(let fraction): number = fraction
        default: return []
        }
        var found: [String] = []
        let exclusive = schema["exclusiveMinimum"] as? Bool == true
        if let minimum = Self.number(schema["minimum"]), exclusive ? number <= minimum : number < minimum {
            found.append("\(path): \(number) is below the minimum \(minimum)")
        }
        if let maximum = Self.number(schema["maximum"]), number > maximum {
            found.append("\(path): \(number) is above the maximum \(maximum)")
        }
        return found
    }

    private func stringProblems(_ value: JSONValue, _ schema: [String: Any], path: String) -> [String] {
        guard case .string(let text) = value else { return [] }
        var found: [String] = []
        // JSON Schema counts code points.
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"] as? Int, length < minimum { found.append("\(path): shorter than \(minimum)") }
        if let maximum = schema["maxLength"] as? Int, length > maximum { found.append("\(path): longer than \(maximum)") }
        if let pattern = schema["pattern"] as? String {
            if let regex = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(text.startIndex..., in: text)
                if regex.firstMatch(in: text, range: range) == nil {
                    found.append("\(path): \"\(text)\" does not match \(pattern)")
                }
            } else {
                found.append("\(path): the pattern \(pattern) does not compile")
            }
        }
        return found
    }
}
