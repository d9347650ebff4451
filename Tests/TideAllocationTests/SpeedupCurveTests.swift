import Testing
@testable import TideAllocation

/// The contract's rules for unknown points of a speedup curve.
@Suite struct SpeedupCurveTests {
    @Test func linearUpToTwiceTheWidestMeasuredWidthThenFlat() {
        let curve = SpeedupCurve(
            table: ["1": 1, "2": 1.8, "4": 3.2], measuredWorkers: [2, 4], requestedWorkers: 4, maxWorkers: 12)
        #expect(curve.speedup(4) == 3.2)
        #expect(abs(curve.speedup(6) - 4.8) < 1e-9)
        #expect(abs(curve.speedup(8) - 6.4) < 1e-9)
        #expect(abs(curve.speedup(12) - 6.4) < 1e-9)
    }

    @Test func unmeasuredJobIsLinearUpToItsRequestedWidth() {
        let curve = SpeedupCurve(table: [:], measuredWorkers: [], requestedWorkers: 3, maxWorkers: 8)
        #expect(curve.speedup(1) == 1)
        #expect(curve.speedup(3) == 3)
        #expect(curve.speedup(8) == 3)
    }

    @Test func holesAreInterpolated() {
        let curve = SpeedupCurve(
            table: ["1": 1, "4": 2.5], measuredWorkers: [1, 4], requestedWorkers: 4, maxWorkers: 4)
        #expect(abs(curve.speedup(2) - 1.5) < 1e-9)
        #expect(abs(curve.speedup(3) - 2.0) < 1e-9)
    }

    @Test func dipsArePlannedAtTheBestNarrowerWidth() {
        let curve = SpeedupCurve(
            table: ["1": 1, "2": 1.9, "3": 1.7, "4": 2.4], measuredWorkers: [1, 2, 3, 4], requestedWorkers: 4,
            maxWorkers: 4)
        #expect(curve.measured[3] == 1.7)
        #expect(curve.speedup(3) == 1.9)
        #expect(curve.speedup(4) == 2.4)
    }

    @Test func hullGainsNeverRise() {
        let curve = SpeedupCurve(
            table: ["1": 1, "2": 1.2, "4": 3.6, "8": 4], measuredWorkers: [1, 2, 4, 8], requestedWorkers: 4,
            maxWorkers: 8)
        let gains = (0..<8).map(curve.hullGain(from:))
        for (earlier, later) in zip(gains, gains.dropFirst()) { #expect(later <= earlier + 1e-12) }
        #expect(curve.hullGain(from: 8) == 0)
    }
}
