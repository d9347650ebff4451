/// Epoch time against worker count, `t(n) = serial + parallel / n` (Amdahl's law
/// in seconds): the part of an epoch that does not shrink with more workers
/// (input pipeline, all-reduce, synchronisation) and the part that divides.
///
/// Why this model: at a fixed global batch (the worker contract) an epoch is the
/// same work at any width, and two parameters are all that a job measured at two
/// or three widths can pin down. It is fitted only up to the fastest measured
/// width, where it describes the data; past a measured dip the measured points
/// speak for themselves (see `SpeedupFit`).
public struct EpochTimeModel: Sendable, Equatable {
    /// Seconds per epoch that more workers do not shorten.
    public var serial: Double
    /// Seconds per epoch at one worker that divide among workers.
    public var parallel: Double

    public init(serial: Double, parallel: Double) {
        self.serial = serial
        self.parallel = parallel
    }

    /// Serial fraction assumed when a job was measured at one width only: the
    /// median of what the Pollux speedup curves (`../shared/traces/pollux`) imply
    /// at 2, 4 and 8 workers (0.023 to 0.04). It gives a speedup of 1.94 at 2
    /// workers, 3.67 at 4 and 6.45 at 8, close to those curves' medians, where a
    /// fixed 90% efficiency would say 7.2 at 8 and 0.9 per worker at any width.
    public static let priorSerialFraction = 0.03

    /// Predicted epoch seconds at `workers` (at least 1).
    public func seconds(workers: Int) -> Double {
        serial + parallel / Double(max(workers, 1))
    }

    /// Predicted epoch seconds at one worker.
    public var oneWorkerSeconds: Double { serial + parallel }

    /// The prior model through one measured point: serial fraction `priorSerialFraction` of the one-worker time.
    public static func prior(seconds: Double, workers: Int) -> EpochTimeModel {
        let fraction = priorSerialFraction
        let oneWorker = seconds / (fraction + (1 - fraction) / Double(max(workers, 1)))
        return EpochTimeModel(serial: fraction * oneWorker, parallel: (1 - fraction) * oneWorker)
    }

    /// Least squares on relative residuals, `Σ ((serial + parallel/n) / t_n - 1)²`,
    /// so a slow width weighs no more than a fast one; `serial` is kept at or above
    /// 0 (refitted as linear scaling when the free fit wants it negative). Nil when
    /// no model with a positive `parallel` fits (the times do not fall with width),
    /// or with fewer than two distinct widths.
    public static func leastSquares(_ points: [(workers: Int, seconds: Double)]) -> EpochTimeModel? {
        guard Set(points.map(\.workers)).count >= 2 else { return nil }
        // Rows (1/t, 1/(n t)) against target 1: the normal equations of two unknowns.
        var aa = 0.0, ab = 0.0, bb = 0.0, ay = 0.0, by = 0.0
        for point in points {
            let a = 1 / point.seconds, b = 1 / (Double(point.workers) * point.seconds)
            aa += a * a
            ab += a * b
            bb += b * b
            ay += a
            by += b
        }
        let determinant = aa * bb - ab * ab
        if determinant > 1e-12 * aa * bb {
            let serial = (ay * bb - by * ab) / determinant
            let parallel = (aa * by - ab * ay) / determinant
            if serial >= 0 {
                return parallel > 0 && serial.isFinite && parallel.isFinite
                    ? EpochTimeModel(serial: serial, parallel: parallel) : nil
            }
        }
        // Linear scaling, the boundary the free fit crossed: parallel alone.
        let parallel = by / bb
        return parallel > 0 && parallel.isFinite ? EpochTimeModel(serial: 0, parallel: parallel) : nil
    }
}
