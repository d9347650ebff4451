import Foundation

/// A Kubernetes resource quantity (`100m`, `16Gi`, `1.5`, `2e3`), parsed
/// exactly as the API server reads it (apimachinery's `resource.Quantity`):
/// a signed decimal number and one suffix, binary (`Ki` … `Ei`), decimal
/// (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`).
///
/// The value is kept as a `Decimal` (38 significant digits), so `0.1` CPU and
/// `16Gi` bytes are exact, and comparisons never round.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in base units (cores, bytes, devices).
    public let value: Decimal
    /// The text it was parsed from, for messages.
    public let text: String

    /// Parses `text`; throws naming what is wrong with it.
    public init(_ text: String) throws(QuantityError) {
        self.text = text
        value = try Self.parse(text)
    }

    /// Whole units, rounded up as the API server does for integer resources (`nvidia.com/gpu`).
    public var ceilingInteger: Int64? {
        var rounded = Decimal()
        var source = value
        NSDecimalRound(&rounded, &source, 0, .up)
        return Self.int64(rounded)
    }

    /// Thousandths of a unit, rounded up (CPU in millicores).
    public var milliValue: Int64? {
        var rounded = Decimal()
        var source = value * 1000
        NSDecimalRound(&rounded, &source, 0, .up)
        return Self.int64(rounded)
    }

    /// Whether the value is a whole number (extended resources such as GPUs must be).
    public var isInteger: Bool {
        var rounded = Decimal()
        var source = value
        NSDecimalRound(&rounded, &source, 0, .plain)
        return rounded == value
    }

    public var description: String { text }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value < rhs.value }
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    private static let binary: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
    private static let decimal: [String: Int] = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
    /// The API server refuses numbers with more digits than this.
    private static let maxDigits = 38

    private static func parse(_ text: String) throws(QuantityError) -> Decimal {
        guard !text.isEmpty else { throw QuantityError(text: text, reason: "is empty") }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var negative = false
        if scalars[0] == "+" || scalars[0] == "-" {
            negative = scalars[0] == "-"
            index = 1
        }
        var digits = ""
        var fractionDigits = 0
        var seenPoint = false
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.numericType == .decimal, scalar.isASCII {
                digits.unicodeScalars.append(scalar)
                if seenPoint { fractionDigits += 1 }
            } else if scalar == ".", !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        guard !digits.isEmpty else { throw QuantityError(text: text, reason: "does not start with a number") }
        let significant = digits.drop { $0 == "0" }
        guard significant.count <= maxDigits else { throw QuantityError(text: text, reason: "has too many digits") }
        let suffix = String(String.UnicodeScalarView(scalars[index...]))
        var decimalExponent = -fractionDigits
        var binaryPower = 0
        if let power = binary[suffix] {
            binaryPower = power
        } else if let exponent = decimal[suffix] {
            decimalExponent += exponent
        } else if let exponent = Self.exponent(suffix) {
            decimalExponent += exponent
        } else {
            throw QuantityError(
                text: text, reason: "has an unknown suffix '\(suffix)' (use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or e<exponent>)")
        }
        guard (-60...60).contains(decimalExponent) else { throw QuantityError(text: text, reason: "is out of range") }
        var value = Decimal(string: String(significant.isEmpty ? "0" : significant)) ?? 0
        value = value * Self.power(of: 10, decimalExponent)
        for _ in 0..<binaryPower { value *= 1024 }
        return negative ? -value : value
    }

    /// `e3`, `E-2`, `e+6`: the exponent, or nil when `suffix` is not one.
    private static func exponent(_ suffix: String) -> Int? {
        guard let first = suffix.first, first == "e" || first == "E" else { return nil }
        let rest = suffix.dropFirst()
        guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }) else { return nil }
        return Int(rest)
    }

    private static func power(of base: Int, _ exponent: Int) -> Decimal {
        var result = Decimal(1)
        for _ in 0..<abs(exponent) { result *= Decimal(base) }
        return exponent < 0 ? 1 / result : result
    }

    private static func int64(_ value: Decimal) -> Int64? {
        guard value <= Decimal(Int64.max), value >= Decimal(Int64.min) else { return nil }
        return NSDecimalNumber(decimal: value).int64Value
    }
}

/// A quantity the API server would refuse.
public struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "quantity '\(text)' \(reason)" }
}
