/// Sorted latency samples and the figures the benchmarks print.
struct LatencyStats {
    private(set) var samples: [Double]

    init(_ samples: [Double]) { self.samples = samples.sorted() }

    /// The q-quantile (0...1) by nearest rank, in the samples' unit.
    func quantile(_ q: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let rank = Int((q * Double(samples.count)).rounded(.up)) - 1
        return samples[min(max(rank, 0), samples.count - 1)]
    }

    var p50: Double { quantile(0.5) }
    var p99: Double { quantile(0.99) }
}
