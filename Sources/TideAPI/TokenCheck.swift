import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The API token check: `Authorization: Bearer TOKEN` or `x-api-key: TOKEN`,
/// whose SHA-256 must equal the configured digest, compared in constant time.
public struct TokenCheck: Sendable {
    public let digest: [UInt8]?

    public init(digest: [UInt8]?) {
        self.digest = digest
    }

    /// The token a request carries, if any.
    static func token(in headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        if let field = HTTPField.Name("x-api-key"), let key = headers[field] {
            return key.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Nil when the request may go on, else the 401 to answer.
    func refusal(_ headers: HTTPFields) -> APIError? {
        guard let token = Self.token(in: headers), !token.isEmpty else {
            return APIError(
                .unauthorized, "missing API token: send 'Authorization: Bearer TOKEN' or 'x-api-key: TOKEN'",
                field: "Authorization")
        }
        guard let digest, Self.matches(token: token, digest: digest) else {
            return APIError(
                .unauthorized, "wrong API token: its SHA-256 does not match TIDE_API_PASSWORD_SHA256",
                field: "Authorization")
        }
        return nil
    }

    /// Whether SHA-256(`token`) equals `digest`, looking at every byte whatever the first difference.
    static func matches(token: String, digest: [UInt8]) -> Bool {
        let actual = Array(SHA256.hash(data: Data(token.utf8)))
        guard actual.count == digest.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(actual, digest) { difference |= a ^ b }
        return difference == 0
    }

    /// Hex text as bytes, or nil if it is not an even number of hex digits.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// The hex SHA-256 of `token` (for configuration and tests).
    public static func digestHex(of token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
