import Foundation

/// RFC 3339 times, with or without fractional seconds.
enum RFC3339 {
    static func date(_ text: String) -> Date? {
        // A new formatter per call: ISO8601DateFormatter is not Sendable.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
