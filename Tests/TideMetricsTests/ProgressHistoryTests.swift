import Foundation
import Testing
import TideJobs
import TideMetrics

/// Folding reports: deduplication, restart detection, restart cost, estimates.
@Suite struct ProgressHistoryTests {
    static func sample(_ epoch: Int, workers: Int, seconds: Double, at time: Double, accelerator: String = "v100")
        -> ProgressSample
    {
        ProgressSample(
            job: "j", accelerator: accelerator, epoch: epoch, epochs: 10, workers: workers, epochSeconds: seconds,
            receivedAt: Date(timeIntervalSince1970: 1_700_000_000 + time))
    }

    @Test func theFirstEpochAfterEachRestartIsACostNotASteadyTime() {
        var history = ProgressHistory(accelerator: "v100")
        #expect(history.fold(Self.sample(1, workers: 2, seconds: 80, at: 80)) == .restartEpoch)
        #expect(history.fold(Self.sample(2, workers: 2, seconds: 50, at: 130)) == .steady)
        #expect(history.fold(Self.sample(3, workers: 2, seconds: 50, at: 180)) == .steady)
        // Resized to 4: the first epoch at 4 carries the restart.
        #expect(history.fold(Self.sample(4, workers: 4, seconds: 60, at: 260)) == .restartEpoch)
        #expect(history.fold(Self.sample(5, workers: 4, seconds: 30, at: 290)) == .steady)
        #expect(history.steadySeconds(workers: 2) == 50)
        #expect(history.steadySeconds(workers: 4) == 30)
        // Costs: 80 - 50 at 2 workers, 60 - 30 at 4.
        #expect(history.restartSeconds == 30)
        let estimate = history.estimate
        #expect(estimate.measuredWorkers == [2, 4])
        #expect(estimate.epoch == 5 && estimate.epochs == 10)
        let oneWorker = try! #require(history.fit).oneWorkerSeconds
        #expect(abs(oneWorker - 90) < 1e-9)  // 50 = s + p/2, 30 = s + p/4: p = 80, s = 10.
        #expect(abs(estimate.remainingSeconds! - 5 * 90) < 1e-9)
        #expect(estimate.speedup["1"] == 1 && abs(estimate.speedup["4"]! - 3) < 1e-9)
    }

    @Test func aRedeliveredSampleCountsOnce() {
        var history = ProgressHistory(accelerator: "v100")
        let samples = (1...4).map { Self.sample($0, workers: 2, seconds: 50, at: 50 * Double($0)) }
        history.fold(contentsOf: samples)
        let before = history
        #expect(history.fold(samples[3]) == .duplicate)
        #expect(history.fold(samples[1]) == .stale)
        #expect(history == before)
    }

    /// A worker that sends a report again (its first answer was a 503, yet the broker had the
    /// sample) gets it folded once, even after later reports: not read as a restart.
    @Test func anEpochReportSentAgainCountsOnce() {
        var history = ProgressHistory(accelerator: "v100")
        let samples = (1...4).map { Self.sample($0, workers: 2, seconds: 50 + Double($0), at: 55 * Double($0)) }
        history.fold(contentsOf: samples)
        let before = history
        #expect(history.fold(Self.sample(3, workers: 2, seconds: 53, at: 225)) == .duplicate)
        #expect(history == before)
        #expect(history.fold(Self.sample(5, workers: 2, seconds: 55, at: 275)) == .steady)
        // At once after the original it is a report between epochs, as a heartbeat is.
        #expect(history.fold(Self.sample(5, workers: 2, seconds: 55, at: 276)) == .heartbeat)
        #expect(history.restarts.count == 1)
        #expect(history.steady == [WidthTimes(workers: 2, seconds: [52, 53, 54, 55])])
        #expect(history.folded?.count == 5)
        // A rerun of epoch 3 (resumed from an older checkpoint) measures another time: a restart.
        #expect(history.fold(Self.sample(3, workers: 2, seconds: 70, at: 400)) == .heartbeat)
        #expect(history.fold(Self.sample(4, workers: 2, seconds: 56, at: 456)) == .restartEpoch)
    }

    @Test func theKeysKeptAreBoundedAndReadFromOldDocuments() throws {
        var history = ProgressHistory(accelerator: "v100")
        history.fold(contentsOf: (1...20).map { Self.sample($0, workers: 2, seconds: 50, at: 50 * Double($0)) })
        #expect(history.folded?.map(\.epoch) == Array(13...20))
        // A history stored before the keys were kept.
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(history)) as! [String: Any]
        old["folded"] = nil
        let decoded = try JSONDecoder().decode(ProgressHistory.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.folded == nil && decoded.steady == history.steady)
    }

    @Test func reportsBetweenEpochsOnlyMoveTheMark() {
        var history = ProgressHistory(accelerator: "v100")
        history.fold(Self.sample(1, workers: 2, seconds: 100, at: 100))
        #expect(history.fold(Self.sample(1, workers: 2, seconds: 100, at: 160)) == .heartbeat)
        #expect(history.fold(Self.sample(2, workers: 2, seconds: 90, at: 190)) == .steady)
        #expect(history.steady == [WidthTimes(workers: 2, seconds: [90])])
    }

    @Test func aLongSilenceAtTheSameWidthIsARestart() {
        var history = ProgressHistory(accelerator: "v100")
        history.fold(contentsOf: (1...3).map { Self.sample($0, workers: 2, seconds: 50, at: 50 * Double($0)) })
        // Stopped for ten minutes, started again at 2 workers from the checkpoint of epoch 3.
        #expect(history.fold(Self.sample(4, workers: 2, seconds: 75, at: 900)) == .restartEpoch)
        // The start cost nothing (its first epoch took the steady 50 s), this restart 25 s.
        #expect(history.restartSeconds == 12.5)
    }

    @Test func anEpochGoingBackIsARestart() {
        var history = ProgressHistory(accelerator: "v100")
        history.fold(contentsOf: (1...4).map { Self.sample($0, workers: 2, seconds: 50, at: 50 * Double($0)) })
        // Resumed from epoch 2's checkpoint: epoch 3 again, measured anew (the same report
        // sent again, time and all, is a duplicate: anEpochReportSentAgainCountsOnce).
        #expect(history.fold(Self.sample(3, workers: 2, seconds: 51, at: 230)) == .heartbeat)
        #expect(history.fold(Self.sample(4, workers: 2, seconds: 70, at: 300)) == .restartEpoch)
    }

    @Test func aRunFirstSeenMidwayIsNotMeasuredAsARestart() {
        var history = ProgressHistory(accelerator: "v100")
        #expect(history.fold(Self.sample(7, workers: 4, seconds: 40, at: 40)) == .unknownRun)
        #expect(history.restarts.isEmpty && history.steady.isEmpty)
        #expect(history.fold(Self.sample(8, workers: 4, seconds: 30, at: 70)) == .steady)
    }

    @Test func anotherGPUTypeStartsANewHistory() {
        var history = ProgressHistory(accelerator: "v100")
        history.fold(contentsOf: (1...3).map { Self.sample($0, workers: 2, seconds: 50, at: 50 * Double($0)) })
        #expect(history.fold(Self.sample(4, workers: 2, seconds: 20, at: 400, accelerator: "a100")) == .unknownRun)
        #expect(history.accelerator == "a100" && history.steady.isEmpty)
    }

    @Test func unusableReportsAreRefused() {
        var history = ProgressHistory(accelerator: "v100")
        #expect(history.fold(Self.sample(1, workers: 0, seconds: 5, at: 5)) == .invalid)
        #expect(history.fold(Self.sample(1, workers: 2, seconds: -5, at: 5)) == .invalid)
        #expect(history.fold(Self.sample(1, workers: 2, seconds: .infinity, at: 5)) == .invalid)
        #expect(history == ProgressHistory(accelerator: "v100"))
    }

    @Test func onlyRecentEpochsAreKept() {
        var history = ProgressHistory(accelerator: "v100")
        history.fold(contentsOf: (1...20).map { Self.sample($0, workers: 2, seconds: Double($0), at: 100 * Double($0)) })
        // Every gap of 100 s is within 2 × the pace + 60 s only from epoch ~20 on: some are restarts.
        #expect(history.steady.allSatisfy { $0.seconds.count <= ProgressHistory.keptEpochs })
        #expect(history.restarts.count <= ProgressHistory.keptRestarts)
    }
}
