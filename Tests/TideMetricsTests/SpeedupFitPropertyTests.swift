import Foundation
import PropertyBased
import Testing
import TideJobs
import TideMetrics

/// The fit on generated samples: close to the model that made them, and never
/// an estimate the allocator refuses.
@Suite(.shrinking) struct SpeedupFitPropertyTests {
    /// Widths users pick: powers of two. Bit i of `mask` keeps 2^i; fewer than two kept gives {2, 4}.
    static func widths(_ mask: Int) -> [Int] {
        let chosen = (0..<5).filter { mask & (1 << $0) != 0 }.map { 1 << $0 }
        return chosen.count >= 2 ? chosen : [2, 4]
    }

    /// Five epochs per width from `t(n) = t1 (f + (1 - f)/n)`, each off by up to `noise`
    /// (relative), through a history as the collector keeps it; the first epoch is the start's.
    static func history(f: Double, t1: Double, widths: [Int], noise: Double, jitter: [Double]) -> ProgressHistory {
        var history = ProgressHistory(accelerator: "gpu")
        var time = 0.0, epoch = 0, draw = 0
        for workers in widths {
            for _ in 0..<6 {
                let exact = t1 * (f + (1 - f) / Double(workers))
                let seconds = exact * (1 + noise * jitter[draw % jitter.count])
                draw += 1
                time += seconds
                epoch += 1
                history.fold(ProgressSample(
                    job: "j", accelerator: "gpu", epoch: epoch, epochs: 500, workers: workers, epochSeconds: seconds,
                    receivedAt: Date(timeIntervalSince1970: 1_700_000_000 + time)))
            }
        }
        return history
    }

    @Test func speedupsAtMeasuredWidthsAreCloseToTheModel() async {
        let input = zip(
            Gen.double(in: 0...0.3), Gen.double(in: 10...1_000), Gen.int(in: 0...31), Gen.double(in: 0...0.02),
            Gen.double(in: -1...1).array(of: 30))
        await propertyCheck(count: 500, input: input) { f, t1, mask, noise, jitter in
            let widths = Self.widths(mask)
            let estimate = Self.history(f: f, t1: t1, widths: widths, noise: noise, jitter: jitter).estimate
            #expect(estimate.measuredWorkers == widths)
            // Speedups are relative to one worker; measured only at 8 and 16, the fit extrapolates
            // that far, and 2% of noise has reached 15.0000000000001% (f 0.21, widths [8, 16]).
            let tolerance = widths[0] >= 8 ? 0.2 : 0.15
            for workers in widths {
                let truth = 1 / (f + (1 - f) / Double(workers))
                let fitted = estimate.speedup[String(workers)] ?? .nan
                #expect(abs(fitted / truth - 1) <= tolerance, "at \(workers): \(fitted) against \(truth), widths \(widths)")
            }
            #expect(EstimateChecks.problems(estimate).isEmpty, "\(EstimateChecks.problems(estimate))")
        }
    }

    @Test func anyPositiveTimesGiveAValidTable() async {
        let times = zip(Gen.int(in: 1...64), Gen.double(in: 0.001...1_000_000)).array(of: 1...8)
        await propertyCheck(count: 1_000, input: times) { points in
            let steady = Dictionary(points, uniquingKeysWith: { first, _ in first })
            guard let fit = SpeedupFit(steady: steady) else {
                Issue.record("no fit for \(steady)")
                return
            }
            let estimate = JobEstimate(speedup: fit.table, measuredWorkers: steady.keys.sorted(), remainingSeconds: 10 * fit.oneWorkerSeconds)
            #expect(EstimateChecks.problems(estimate).isEmpty, "\(steady): \(EstimateChecks.problems(estimate))")
        }
    }

    /// Any report sequence (widths changing, epochs going back, gaps, heartbeats)
    /// folds into a valid estimate, and folding it all again changes nothing.
    @Test func anyReportSequenceFoldsOnceIntoAValidEstimate() async {
        let report = zip(Gen.int(in: 1...8), Gen.int(in: -1...2), Gen.double(in: 1...400), Gen.double(in: 0.5...300))
        await propertyCheck(count: 500, input: report.array(of: 1...30)) { reports in
            var samples: [ProgressSample] = []
            var epoch = 0, time = 1_700_000_000.0
            for (workers, step, gap, seconds) in reports {
                epoch = max(0, epoch + step)
                time += gap
                samples.append(ProgressSample(
                    job: "j", accelerator: "gpu", epoch: epoch, epochs: 40, workers: workers, epochSeconds: seconds,
                    receivedAt: Date(timeIntervalSince1970: time)))
            }
            var history = ProgressHistory(accelerator: "gpu")
            history.fold(contentsOf: samples)
            let once = history
            let again = history.fold(contentsOf: samples.shuffled())
            #expect(history == once)
            #expect(again.allSatisfy { $0 == .duplicate || $0 == .stale })
            #expect(EstimateChecks.problems(history.estimate).isEmpty, "\(EstimateChecks.problems(history.estimate))")
        }
    }
}
