/// Durations written as `2h`, `90m`, `1h30m`, `45s`: hours, minutes and
/// seconds, each at most once and in that order.
public enum DurationText {
    /// Seconds, or nil if `text` is not of that form or is zero.
    public static func seconds(_ text: String) -> Int? {
        var total = 0
        var digits = 0
        var number = 0
        var lastUnit = 0  // 0 none, 1 h, 2 m, 3 s
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                guard digits <= 9 else { return nil }
                number = number * 10 + Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "h"), UInt8(ascii: "m"), UInt8(ascii: "s"):
                let unit = byte == UInt8(ascii: "h") ? 1 : byte == UInt8(ascii: "m") ? 2 : 3
                guard digits > 0, unit > lastUnit else { return nil }
                total += number * (unit == 1 ? 3600 : unit == 2 ? 60 : 1)
                lastUnit = unit
                digits = 0
                number = 0
            default:
                return nil
            }
        }
        guard digits == 0, lastUnit > 0, total > 0 else { return nil }
        return total
    }

    /// The canonical text: `1h30m` for 5400, `45s` for 45, `2h` for 7200.
    public static func text(seconds: Int) -> String {
        let hours = seconds / 3600
        let minutes = seconds % 3600 / 60
        let rest = seconds % 60
        var text = ""
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 || text.isEmpty { text += "\(rest)s" }
        return text
    }
}
