import Foundation

/// Draws each policy's job-completion-time distribution (an empirical CDF on
/// a log-scaled time axis) as a standalone SVG.
public enum JCTPlot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]

    public static func svg(_ results: [SimulationResult], title: String) -> String {
        let width = 760.0, height = 460.0, left = 70.0, right = 190.0, top = 40.0, bottom = 60.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = results.flatMap { $0.jobs.map(\.completionTime) }.filter { $0.isFinite && $0 > 0 }
        let low = log10(max(all.min() ?? 1, 1)).rounded(.down), high = max(log10(all.max() ?? 10).rounded(.up), low + 1)
        func x(_ seconds: Double) -> Double { left + (log10(max(seconds, 1)) - low) / (high - low) * plotWidth }
        func y(_ fraction: Double) -> Double { top + (1 - fraction) * plotHeight }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="24" font-size="15">\(escape(title))</text>

            """
        for decade in stride(from: low, through: high, by: 1) {
            let px = x(pow(10, decade))
            svg += "<line x1=\"\(f(px))\" y1=\"\(f(top))\" x2=\"\(f(px))\" y2=\"\(f(top + plotHeight))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(f(px))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(ResultTable.duration(pow(10, decade)))</text>\n"
        }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>\n"
        }
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\">job completion time (log scale)</text>\n"
        svg += "<text transform=\"translate(18 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">jobs completed</text>\n"
        for (index, result) in results.enumerated() {
            let color = palette[index % palette.count]
            let times = result.jobs.map(\.completionTime).filter(\.isFinite).sorted()
            var points = "\(f(x(times.first ?? 1))),\(f(y(0)))"
            for (rank, time) in times.enumerated() {
                points += " \(f(x(time))),\(f(y(Double(rank) / Double(times.count))))"
                points += " \(f(x(time))),\(f(y(Double(rank + 1) / Double(times.count))))"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(points)\"/>\n"
            let legendY = top + 10 + Double(index) * 20
            svg += "<line x1=\"\(f(width - right + 15))\" y1=\"\(f(legendY))\" x2=\"\(f(width - right + 40))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(f(width - right + 46))\" y=\"\(f(legendY + 4))\">\(escape(result.policy)) (avg \(ResultTable.duration(result.averageJCT)))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private static func f(_ value: Double) -> String { ResultTable.fixed(value, 1) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
