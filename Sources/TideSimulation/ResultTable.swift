/// The side-by-side text table of several policies' results.
public enum ResultTable {
    public static func render(_ results: [SimulationResult]) -> String {
        let header = ["policy", "avg JCT", "p50 JCT", "p99 JCT", "makespan", "avg queue", "GPU util", "restarts/job", "worst slowdown", "rounds", "wall"]
        let rows = results.map { result in
            [
                result.policy, duration(result.averageJCT), duration(result.p50JCT), duration(result.p99JCT),
                duration(result.makespan), duration(result.averageQueueingDelay),
                fixed(result.gpuUtilisation * 100, 1) + "%", fixed(result.restartsPerJob, 2),
                fixed(result.worstSlowdown, 1) + "x", String(result.rounds), fixed(result.wallSeconds, 2) + "s",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// `28s`, `1m5s`, `2h3m`, `4d2h`: the spec's duration style.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, secs) = (total / 86_400, total / 3_600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes)m" }
        if minutes > 0 { return "\(minutes)m\(secs)s" }
        return "\(secs)s"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        let fractionText = String(fraction)
        let padded = String(repeating: "0", count: max(0, digits - fractionText.count)) + fractionText
        return (value < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + padded : "")
    }
}
