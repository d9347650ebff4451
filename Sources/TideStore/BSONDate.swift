import Foundation

/// Dates as BSON stores them: signed milliseconds since 1970, UTC.
///
/// Conversions go through integer milliseconds so a date with millisecond
/// precision comes back equal (`==`) to the one written; finer precision is
/// rounded to the nearest millisecond, as BSON cannot hold it.
enum BSONDate {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Parses the ISO-8601 form relaxed extended JSON uses:
    /// `YYYY-MM-DDTHH:MM:SS[.fff]` then `Z` or `±HH:MM` / `±HHMM`. libbson 1.23
    /// writes years past 9999 with more digits, so the year may have four or more.
    static func milliseconds(iso8601 text: String) -> Int64? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int64? {
            guard index + digits <= chars.count else { return nil }
            var value: Int64 = 0
            for char in chars[index..<index + digits] {
                guard char >= 48, char <= 57 else { return nil }
                value = value * 10 + Int64(char - 48)
            }
            index += digits
            return value
        }
        func expect(_ char: UInt8) -> Bool {
            guard index < chars.count, chars[index] == char else { return false }
            index += 1
            return true
        }
        var yearDigits = 0
        while index + yearDigits < chars.count, chars[index + yearDigits] >= 48, chars[index + yearDigits] <= 57 {
            yearDigits += 1
        }
        guard (4...6).contains(yearDigits), let year = number(yearDigits), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2), expect(UInt8(ascii: "T")), let hour = number(2), expect(UInt8(ascii: ":")),
            let minute = number(2), expect(UInt8(ascii: ":")), let second = number(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var millis: Int64 = 0
        if expect(UInt8(ascii: ".")) {
            // Any number of fraction digits; only the first three count.
            var scale: Int64 = 100
            var digits = 0
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                millis += Int64(chars[index] - 48) * scale
                scale /= 10
                index += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
        }
        var offsetMinutes: Int64 = 0
        if expect(UInt8(ascii: "Z")) {
        } else if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
            let sign: Int64 = chars[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(UInt8(ascii: ":"))
            guard let minutes = number(2) else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        } else {
            return nil
        }
        guard index == chars.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millis
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
