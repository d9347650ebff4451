import Foundation
import Testing
import TideAllocation
import TideJobs
import TideMetrics

/// Fitting accuracy, printed for docs/benchmarks.md (`make fit-accuracy`):
/// mean absolute error of the speedup at widths 1 to 8 when only 2 and 4
/// workers were measured, five steady epochs each.
///
/// Two readings of the same fit: the model's own curve (`SpeedupFit.speedup`,
/// extrapolated past 4), and the curve the allocator builds from the table
/// (the contract's linear rule past the widest measured width).
@Suite struct FitAccuracyReport {
    /// Speedup at 1...8 for a fit from epochs at 2 and 4 workers of a job whose true speedup is `truth`.
    static func errors(truth: (Int) -> Double, noise: Double, seed: UInt64) -> (model: [Double], allocator: [Double]) {
        var random = SeededRandom(seed)
        var history = ProgressHistory(accelerator: "gpu")
        var time = 0.0, epoch = 0
        for workers in [2, 4] {
            for _ in 0..<6 {
                let seconds = 100 / truth(workers) * (1 + noise * (2 * random.unit() - 1))
                time += seconds
                epoch += 1
                history.fold(ProgressSample(
                    job: "j", accelerator: "gpu", epoch: epoch, epochs: 100, workers: workers, epochSeconds: seconds,
                    receivedAt: Date(timeIntervalSince1970: 1_700_000_000 + time)))
            }
        }
        let fit = history.fit!
        let curve = SpeedupCurve(table: fit.table, measuredWorkers: [2, 4], requestedWorkers: 4, maxWorkers: 8)
        return ((1...8).map { abs(fit.speedup(workers: $0) - truth($0)) }, (1...8).map { abs(curve.measured[$0] - truth($0)) })
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// MAE over 1...4 (the table's own widths: 1, the hole 3, the measured 2 and 4) and over 1...8,
    /// from errors listed 8 per case.
    static func line(model: [Double], allocator: [Double]) -> String {
        let table = model.enumerated().filter { $0.offset % 8 < 4 }.map(\.element)
        return String(format: "MAE 1..4 %.3f; MAE 1..8 model %.3f, allocator's curve %.3f", mean(table), mean(model), mean(allocator))
    }

    @Test func syntheticAmdahlJobs() {
        for noise in [0.0, 0.02, 0.05] {
            var model: [Double] = [], allocator: [Double] = []
            for f in [0.0, 0.02, 0.05, 0.1, 0.2, 0.3] {
                for seed in 0..<(noise == 0 ? 1 : 100) {
                    let (m, a) = Self.errors(truth: { 1 / (f + (1 - f) / Double($0)) }, noise: noise, seed: UInt64(seed))
                    model += m
                    allocator += a
                }
            }
            if noise == 0 { #expect(Self.mean(model) < 1e-9) }
            print("fit accuracy, Amdahl f in 0...0.3, samples at {2,4}, noise ±\(Int(noise * 100))%: "
                + Self.line(model: model, allocator: allocator))
        }
    }

    /// The Pollux curves of `$TIDE_TRACES/pollux/speedup-curves.csv`, when the variable names the traces.
    @Test func polluxCurves() throws {
        guard let traces = ProcessInfo.processInfo.environment["TIDE_TRACES"] else { return }
        let text = try String(contentsOfFile: traces + "/pollux/speedup-curves.csv", encoding: .utf8)
        var curves: [String: [Int: Double]] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count == 4, let workers = Int(fields[2]), let speedup = Double(fields[3]) else { continue }
            curves[String(fields[0]), default: [:]][workers] = speedup
        }
        for (application, curve) in curves.sorted(by: { $0.key < $1.key }) where (1...8).allSatisfy({ curve[$0] != nil }) {
            var model: [Double] = [], allocator: [Double] = []
            for seed in 0..<100 {
                let (m, a) = Self.errors(truth: { curve[$0]! }, noise: 0.02, seed: UInt64(seed))
                model += m
                allocator += a
            }
            print("fit accuracy, Pollux \(application), samples at {2,4}, noise ±2%: " + Self.line(model: model, allocator: allocator))
        }
    }
}

/// SplitMix64: the same draws on every machine.
struct SeededRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
