import Foundation

/// JSON in and out of the allocation contract: keys sorted, so the same
/// decision is always the same bytes.
public enum AllocationCoding {
    /// Decodes a snapshot, turning decoding failures into errors that name the field.
    public static func decodeSnapshot(_ data: Data) throws -> AllocationSnapshot {
        do {
            return try JSONDecoder().decode(AllocationSnapshot.self, from: data)
        } catch let error as DecodingError {
            throw AllocationInputError(decoding: error)
        }
    }

    /// Encodes any contract value with sorted keys and no escaped slashes.
    public static func encode<Value: Encodable>(_ value: Value, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

extension AllocationInputError {
    /// Names the JSON path of a decoding failure.
    init(decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { result, key in
                // Array positions; a dictionary key such as a speedup's "2" also
                // has an intValue, but its stringValue is the key itself.
                if let index = key.intValue, key.stringValue != String(index) { return result + "[\(index)]" }
                return result.isEmpty ? key.stringValue : result + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            // Foundation's own texts ("Expected to decode ...") add nothing to the type; ours say what was found.
            let found = context.debugDescription.isEmpty || context.debugDescription.hasPrefix("Expected") ? "" : " (\(context.debugDescription))"
            let field = path(context.codingPath)
            self.init(field: field.isEmpty ? "(document)" : field, "must be \(Self.describe(type))\(found)")
        case .valueNotFound(let type, let context):
            self.init(field: path(context.codingPath), "must be \(Self.describe(type)), got null")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            self.init(field: field.isEmpty ? "(document)" : field, context.debugDescription)
        @unknown default:
            self.init(field: "(document)", "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default:
            // Foundation names the containers it expected by their Swift types.
            String(describing: type).hasPrefix("Dictionary") ? "an object" : String(describing: type).hasPrefix("Array") ? "an array" : "\(type)"
        }
    }
}
