import Foundation

/// Generates synthetic traces for tests and the demo, deterministic for a seed.
///
/// Five applications with Amdahl-like curves s(w) = w / (1 + a(w - 1)), one
/// with a dip past 8 workers as real measurements show; one-worker work
/// log-normal (median about 40 minutes, heavy tail); requested widths 1, 2, 4
/// or 8; Poisson arrivals, on average one every `meanInterarrival` seconds.
public struct SyntheticTrace: Sendable {
    public var jobs: Int
    public var seed: UInt64
    public var meanInterarrival: Double

    public init(jobs: Int, seed: UInt64, meanInterarrival: Double = 120) {
        self.jobs = jobs
        self.seed = seed
        self.meanInterarrival = meanInterarrival
    }

    static let applications: [(name: String, serial: Double, dipAfter: Int?)] = [
        ("resnet", 0.02, nil), ("bert", 0.05, nil), ("deepspeech", 0.1, nil), ("pixyz", 0.0, nil),
        ("yolo", 0.08, 8),
    ]

    /// The generated jobs, in arrival order.
    public func generate() -> [SimulatedJob] {
        var random = SplitMix64(seed: seed)
        var clock = 0.0
        return (0..<jobs).map { index in
            clock += (-log(1 - random.nextUnit()) * meanInterarrival).rounded()
            let app = Self.applications[Int(random.next() % UInt64(Self.applications.count))]
            let requested = [1, 1, 2, 2, 4, 8][Int(random.next() % 6)]
            let maxWorkers = min(requested * 4, 32)
            let curve = (1...maxWorkers).map { w -> Double in
                var value = Double(w) / (1 + app.serial * Double(w - 1))
                if let dip = app.dipAfter, w > dip { value *= pow(0.97, Double(w - dip)) }
                return (value * 10_000).rounded() / 10_000
            }
            let work = min(max(exp(7.8 + 1.4 * random.nextGaussian()), 60), 400_000).rounded()
            return SimulatedJob(
                name: "\(app.name)-\(index)", arrival: clock, application: app.name, work: work * curve[requested - 1],
                speedupCurve: curve, maxWorkers: maxWorkers, requestedWorkers: requested)
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so
/// traces do not depend on the platform's randomness.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A standard normal draw (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u = max(nextUnit(), 1e-300), v = nextUnit()
        return sqrt(-2 * log(u)) * cos(2 * .pi * v)
    }
}
