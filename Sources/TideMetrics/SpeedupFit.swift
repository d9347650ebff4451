/// A job's speedup curve from its steady epoch times per worker count, with
/// or without a one-worker measurement.
///
/// The one-worker epoch time is the only number the allocator needs that may
/// not have been measured: every speedup is relative to it. It comes from, in order:
/// - `measured`: the job ran at one worker;
/// - `fitted`: `EpochTimeModel.leastSquares` over the measured widths up to the
///   fastest one. Its constraints (`serial >= 0`, `parallel > 0`) keep the
///   model's speedup at any width between none (1) and linear (the width),
///   which bounds what two noisy points close together (7 and 8 workers)
///   can make of the intercept;
/// - `prior`: one width measured (or times that do not fall with width): the
///   prior serial fraction through the fastest width.
///
/// At a measured width the speedup is the measured ratio `t(1) / t(n)`, not the
/// model's, so a dip the allocator must see (a width slower than a narrower
/// one) is kept; the model fills the widths below the fastest measured one.
public struct SpeedupFit: Sendable, Equatable {
    /// Where the one-worker epoch time comes from.
    public enum Basis: String, Sendable {
        case measured, fitted, prior
    }

    /// Steady epoch seconds by measured width (positive and finite).
    public let steady: [Int: Double]
    /// The model behind unmeasured widths.
    public let model: EpochTimeModel
    /// Epoch seconds at one worker, measured or estimated.
    public let oneWorkerSeconds: Double
    public let basis: Basis
    /// The measured width with the shortest epoch (the narrowest of equals).
    public let fastestWidth: Int

    /// Nil when no width has a positive, finite time.
    public init?(steady times: [Int: Double]) {
        let steady = times.filter { $0.key >= 1 && $0.value.isFinite && $0.value > 0 }
        guard !steady.isEmpty else { return nil }
        let widths = steady.keys.sorted()
        let fastest = widths.min { (steady[$0]!, $0) < (steady[$1]!, $1) }!
        let rising = widths.filter { $0 <= fastest }.map { (workers: $0, seconds: steady[$0]!) }
        self.steady = steady
        fastestWidth = fastest
        let fitted = EpochTimeModel.leastSquares(rising)
        if let oneWorker = steady[1] {
            basis = .measured
            oneWorkerSeconds = oneWorker
            model = fitted ?? EpochTimeModel(serial: oneWorker, parallel: 0)
            return
        }
        if let fitted {
            basis = .fitted
            model = fitted
        } else {
            basis = .prior
            model = .prior(seconds: steady[fastest]!, workers: fastest)
        }
        oneWorkerSeconds = model.oneWorkerSeconds
    }

    /// Speedup at `workers` relative to one worker: 1 at one, the measured ratio
    /// at a measured width, the model's elsewhere (also past the widest width,
    /// which `table` leaves to the allocation contract).
    public func speedup(workers: Int) -> Double {
        guard workers > 1 else { return 1 }
        let seconds = steady[workers] ?? model.seconds(workers: workers)
        return seconds > 0 ? oneWorkerSeconds / seconds : 1
    }

    /// The table for `JobEstimate.speedup`: "1", every measured width, and the
    /// model at unmeasured widths below the fastest measured one.
    ///
    /// Nothing past the fastest measured width is extrapolated: between measured
    /// widths past it the allocator interpolates the measurements, and past the
    /// widest it applies the contract's rule (linear up to twice the widest, then
    /// flat), which the `tide` policy's growth rules are tuned for.
    public var table: [String: Double] {
        var table = ["1": 1.0]
        for workers in steady.keys where workers > 1 { table[String(workers)] = speedup(workers: workers) }
        for workers in stride(from: 2, to: fastestWidth, by: 1) where steady[workers] == nil {
            table[String(workers)] = speedup(workers: workers)
        }
        return table
    }
}
