import Foundation

/// A filter, sort, update or command document, built in Swift.
///
/// Keys keep their order (it matters for sorts and index keys). Written out
/// as extended JSON, so integers are int64, dates are BSON dates and
/// `objectID` is an ObjectId.
public indirect enum BSONValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case date(Date)
    case objectID(String)
    case null
    case array([BSONValue])
    case document([(String, BSONValue)])

    public static func == (lhs: BSONValue, rhs: BSONValue) -> Bool { lhs.extendedJSON == rhs.extendedJSON }

    /// Canonical-style extended JSON that `bson_new_from_json` reads back exactly.
    public var extendedJSON: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, to: &out)
        case .int(let value): out += "{\"$numberLong\":\"\(value)\"}"
        case .double(let value):
            if value.isFinite {
                out += "{\"$numberDouble\":\"\(value)\"}"
            } else {
                out += "{\"$numberDouble\":\"\(value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")\"}"
            }
        case .bool(let value): out += value ? "true" : "false"
        case .date(let date): out += "{\"$date\":{\"$numberLong\":\"\(BSONDate.milliseconds(date))\"}}"
        case .objectID(let hex): out += "{\"$oid\":"; Self.writeString(hex, to: &out); out += "}"
        case .null: out += "null"
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .document(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension BSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: BSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, BSONValue)...) { self = .document(elements) }

    /// An integer value (stored as int64).
    public static func int(_ value: Int) -> BSONValue { .int(Int64(value)) }
}

/// One key of a sort or an index: a dotted field path and a direction.
public struct SortKey: Sendable, Equatable {
    public var field: String
    public var ascending: Bool

    public init(_ field: String, ascending: Bool = true) {
        self.field = field
        self.ascending = ascending
    }

    static func document(_ keys: [SortKey]) -> BSONValue {
        .document(keys.map { ($0.field, .int($0.ascending ? 1 : -1)) })
    }
}
