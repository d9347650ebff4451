import Testing
import TideMetrics

/// The fit on hand-made epoch times.
@Suite struct SpeedupFitTests {
    /// `t(n) = serial + parallel / n` at the given widths.
    static func amdahl(serial: Double, parallel: Double, at widths: [Int]) -> [Int: Double] {
        Dictionary(uniqueKeysWithValues: widths.map { ($0, serial + parallel / Double($0)) })
    }

    @Test func exactModelDataWithoutAOneWorkerSampleGivesTheModel() throws {
        let fit = try #require(SpeedupFit(steady: Self.amdahl(serial: 10, parallel: 90, at: [2, 4])))
        #expect(fit.basis == .fitted)
        #expect(abs(fit.oneWorkerSeconds - 100) < 1e-9)
        for workers in 1...8 {
            #expect(abs(fit.speedup(workers: workers) - 100 / (10 + 90 / Double(workers))) < 1e-9)
        }
    }

    @Test func theTableHasOneMeasuredWidthsAndHolesBelowTheFastestOnly() throws {
        let fit = try #require(SpeedupFit(steady: Self.amdahl(serial: 5, parallel: 95, at: [2, 8])))
        #expect(fit.table.keys.sorted { Int($0)! < Int($1)! } == (1...8).map(String.init))
        #expect(fit.table["1"] == 1)
        let narrow = try #require(SpeedupFit(steady: Self.amdahl(serial: 5, parallel: 95, at: [2, 4])))
        #expect(Set(narrow.table.keys) == ["1", "2", "3", "4"])
    }

    @Test func oneMeasuredWidthUsesThePriorSerialFraction() throws {
        let fit = try #require(SpeedupFit(steady: [4: 30]))
        #expect(fit.basis == .prior)
        let expected = 1 / (EpochTimeModel.priorSerialFraction + (1 - EpochTimeModel.priorSerialFraction) / 4)
        #expect(abs(fit.speedup(workers: 4) - expected) < 1e-9)
        #expect(abs(fit.oneWorkerSeconds - 30 * expected) < 1e-9)
        #expect(Set(fit.table.keys) == ["1", "2", "3", "4"])
    }

    @Test func aOneWorkerSampleIsTheDenominator() throws {
        let fit = try #require(SpeedupFit(steady: [1: 100, 2: 55, 4: 30]))
        #expect(fit.basis == .measured)
        #expect(fit.table == ["1": 1, "2": 100.0 / 55, "3": fit.speedup(workers: 3), "4": 100.0 / 30])
    }

    @Test func aMeasuredDipIsKeptAndNotFitted() throws {
        let fit = try #require(SpeedupFit(steady: [2: 50, 4: 30, 8: 40]))
        #expect(fit.fastestWidth == 4)
        let table = fit.table
        #expect(try #require(table["8"]) < (try #require(table["4"])))
        #expect(abs(try #require(table["8"]) / (try #require(table["4"])) - 30.0 / 40) < 1e-12)
        // Widths past the fastest are the allocator's to interpolate.
        #expect(table["5"] == nil && table["6"] == nil)
    }

    @Test func closeNoisyWidthsStayBetweenNoScalingAndLinear() throws {
        // 7 and 8 workers nearly equal: all of the epoch is serial, speedup 1, not less.
        let fit = try #require(SpeedupFit(steady: [7: 10, 8: 9.999]))
        #expect(fit.speedup(workers: 7) >= 1 - 1e-12 && fit.speedup(workers: 7) <= 7 + 1e-12)
        let linear = try #require(SpeedupFit(steady: [7: 10, 8: 8.75]))
        #expect(abs(linear.speedup(workers: 7) - 7) < 1e-9)
    }

    @Test func timesThatDoNotFallWithWidthFallBackToThePriorAtTheFastest() throws {
        let fit = try #require(SpeedupFit(steady: [2: 20, 4: 25]))
        #expect(fit.fastestWidth == 2 && fit.basis == .prior)
        #expect(fit.speedup(workers: 4) < fit.speedup(workers: 2))
    }

    @Test func noUsableTimeIsNoFit() {
        #expect(SpeedupFit(steady: [:]) == nil)
        #expect(SpeedupFit(steady: [2: 0, 4: .nan, 0: 5]) == nil)
    }
}
