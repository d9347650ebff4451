import Foundation

/// Latencies of one case in milliseconds, sorted, and the wall time the case took.
public struct LatencySamples: Sendable {
    public let samples: [Double]
    public let seconds: Double

    public init(samples: [Double], seconds: Double) {
        self.samples = samples.sorted()
        self.seconds = seconds
    }

    /// The q-quantile (0...1) by nearest rank, in milliseconds.
    public func quantile(_ q: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let rank = Int((q * Double(samples.count)).rounded(.up)) - 1
        return samples[min(max(rank, 0), samples.count - 1)]
    }

    public var perSecond: Double { Double(samples.count) / seconds }

    public var p50: Double { quantile(0.5) }
    public var p99: Double { quantile(0.99) }

    /// Runs `total` operations split over `clients` tasks, each timing its own calls.
    public static func run(clients: Int, total: Int, _ operation: @escaping @Sendable (Int) async throws -> Void)
        async throws -> LatencySamples
    {
        let clock = ContinuousClock()
        let start = clock.now
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var mine: [Double] = []
                    for index in stride(from: client, to: total, by: clients) {
                        let began = clock.now
                        try await operation(index)
                        mine.append(milliseconds(clock.now - began))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return LatencySamples(samples: samples, seconds: milliseconds(clock.now - start) / 1000)
    }

    public static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
