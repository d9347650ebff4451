import Yams

/// A YAML scalar's value under the YAML 1.2 core schema.
///
/// Plain scalars are null (`null`, `Null`, `NULL`, `~`, empty), booleans
/// (`true`/`false` in three casings), integers (decimal, `0o` octal, `0x`
/// hex) or floats; anything else, and every quoted or block scalar, is a
/// string. The explicit tags `!!str`, `!!int`, `!!float`, `!!bool` and
/// `!!null` are honoured; other tags are refused.
enum YAMLScalar {
    static func resolve(_ scalar: Node.Scalar, path: String, problems: inout Problems) -> JSONValue? {
        let text = scalar.string
        let tag = scalar.tag.rawValue
        let plain = scalar.style == .plain || scalar.style == .any
        switch tag {
        case Tag.Name.implicit.rawValue:
            return plain ? plainValue(text) : .string(text)
        case Tag.Name.nonSpecific.rawValue, Tag.Name.str.rawValue:
            return .string(text)
        case Tag.Name.null.rawValue, Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue:
            let value = plainValue(text)
            let matches: Bool
            switch value {
            case .null: matches = tag == Tag.Name.null.rawValue
            case .bool: matches = tag == Tag.Name.bool.rawValue
            case .int: matches = tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue
            case .double: matches = tag == Tag.Name.float.rawValue
            default: matches = false
            }
            guard matches else {
                problems.add(path, "is tagged \(tag) but \"\(text.debugEscaped)\" is not one")
                return nil
            }
            return value
        default:
            problems.add(path, "has the YAML tag \(tag), which Tide does not accept")
            return nil
        }
    }

    /// The core-schema value of a plain scalar.
    static func plainValue(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let integer = integer(text) { return integer }
        if isFloat(text), let number = Double(text) { return .number(number) }
        return .string(text)
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`; too large for Int64 becomes a double.
    private static func integer(_ text: String) -> JSONValue? {
        let utf8 = Array(text.utf8)
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "o") || utf8[1] == UInt8(ascii: "x") {
            let radix = utf8[1] == UInt8(ascii: "o") ? 8 : 16
            let digits = String(decoding: utf8[2...], as: UTF8.self)
            guard digits.utf8.allSatisfy({ isDigit($0, radix: radix) }) else { return nil }
            if let value = Int64(digits, radix: radix) { return .int(value) }
            return .double(digits.utf8.reduce(0.0) { $0 * Double(radix) + Double(digitValue($1)) })
        }
        var body = utf8[...]
        if let first = body.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ isDigit($0, radix: 10) }) else { return nil }
        let normalized = text.hasPrefix("+") ? String(text.dropFirst()) : text
        if let value = Int64(normalized) { return .int(value) }
        return Double(normalized).map { .double($0) }
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isFloat(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let integerDigits = bytes.prefix { isDigit($0, radix: 10) }.count
        bytes = bytes.dropFirst(integerDigits)
        var fractionDigits = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fractionDigits = bytes.prefix { isDigit($0, radix: 10) }.count
            bytes = bytes.dropFirst(fractionDigits)
        }
        guard integerDigits + fractionDigits > 0 else { return false }
        if let first = bytes.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            let exponentDigits = bytes.prefix { isDigit($0, radix: 10) }.count
            guard exponentDigits > 0 else { return false }
            bytes = bytes.dropFirst(exponentDigits)
        }
        return bytes.isEmpty
    }

    private static func isDigit(_ byte: UInt8, radix: Int) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "7"): return true
        case UInt8(ascii: "8"), UInt8(ascii: "9"): return radix >= 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): return radix == 16
        default: return false
        }
    }

    private static func digitValue(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
        default: return Int(byte - UInt8(ascii: "A")) + 10
        }
    }
}
