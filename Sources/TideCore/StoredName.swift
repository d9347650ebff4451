import Foundation

/// The rule for a stored job's unique name: the submitted name plus
/// `-YYYYMMDD-HHMMSS` (UTC, 24-hour), plus `-2`, `-3`… if that is taken.
public enum StoredName {
    /// The first free name for `name` submitted at `time`. `isTaken` must
    /// eventually answer false.
    public static func make(for name: String, at time: Date, isTaken: (String) -> Bool) -> String {
        let base = "\(name)-\(stamp(time))"
        if !isTaken(base) { return base }
        var suffix = 2
        while isTaken("\(base)-\(suffix)") { suffix += 1 }
        return "\(base)-\(suffix)"
    }

    /// `YYYYMMDD-HHMMSS` in UTC.
    public static func stamp(_ time: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: time)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.year, 4) + pad(parts.month, 2) + pad(parts.day, 2) + "-" + pad(parts.hour, 2)
            + pad(parts.minute, 2) + pad(parts.second, 2)
    }
}
