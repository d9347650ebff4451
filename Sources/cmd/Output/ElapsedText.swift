/// Durations as `cmd get jobs` shows them, like Go's `time.Duration` rounded to the
/// second (what Voda's client prints): `0s`, `28s`, `1m5s`, `2h0m7s`.
enum ElapsedText {
    static func text(seconds: Int) -> String {
        let seconds = max(0, seconds)
        let hours = seconds / 3600, minutes = seconds % 3600 / 60, rest = seconds % 60
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }
}
