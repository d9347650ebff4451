import Foundation
import Testing
import TideAllocation

/// Where `tide`'s spare GPUs go: first back to running jobs below their
/// efficient width, and, when no job is waiting, to the job expected to
/// finish latest after its submission. One 8-GPU node, at time 10,000.
@Suite struct TideSpareTests {
    /// 2 GPUs free, nobody waiting. `shrunk` owns 4 workers (measured there)
    /// but was shrunk to 1 for a newcomer. AFS-L's rule would give a GPU to
    /// `quick` (600 s left) first, and the rule for when nobody waits would
    /// share them with `old`; `shrunk` gets both back first. (`old` runs at
    /// its minimum, so it cannot lend `quick` a worker either.)
    @Test func aShrunkJobGetsItsWidthBackBeforeOthersGrow() throws {
        let decision = try tideRoundOnOneNode([
            runningJob("old", on: [0, 1], minimum: 2, maximum: 4, requested: 2, submitted: 0, start: 100, changed: 100, speedup: [2: 2], remaining: 40_000),
            runningJob(
                "shrunk", on: [2], maximum: 4, requested: 4, submitted: 9_000, start: 9_000, changed: 9_300,
                speedup: [1: 1, 4: 3.6], remaining: 30_000),
            runningJob("quick", on: [3], maximum: 2, requested: 1, submitted: 9_000, start: 9_000, changed: 9_000, speedup: [1: 1], remaining: 600),
            runningJob(
                "filler", on: [4, 5], minimum: 2, maximum: 2, requested: 2, submitted: 0, start: 100, changed: 100,
                speedup: [2: 2], remaining: 50_000),
        ])
        #expect(decision.workers("shrunk") == 3, "both free GPUs go back to the job below its efficient width")
        #expect(decision.workers("old") == 2)
        #expect(decision.workers("quick") == 1)
    }

    /// 2 GPUs free, nobody waiting: `young` (1,000 s left at 2 workers) would
    /// take them under AFS-L's rule, but `old`, submitted 10,000 s ago with
    /// 10,000 s left, is expected to finish last.
    @Test func withNobodyWaitingSpareGoesToTheLatestExpectedFinish() throws {
        let decision = try tideRoundOnOneNode([
            runningJob("old", on: [0, 1], maximum: 4, requested: 2, submitted: 0, start: 100, changed: 100, speedup: [2: 2], remaining: 20_000),
            runningJob(
                "young", on: [2, 3], maximum: 4, requested: 2, submitted: 9_000, start: 9_000, changed: 9_000,
                speedup: [2: 2], remaining: 2_000),
            runningJob(
                "filler", on: [4, 5], minimum: 2, maximum: 2, requested: 2, submitted: 0, start: 100, changed: 100,
                speedup: [2: 2], remaining: 50_000),
        ])
        #expect(decision.workers("old") == 4, "the job expected to finish latest grows first")
        #expect(decision.workers("young") == 2)
    }
    /// 5 GPUs free, nobody waiting, 200 s after both jobs last changed (the
    /// settle is 600 s). `shrunk` was taken from 4 workers to 1 by a claim:
    /// it grows back to its efficient width at once. `settled` runs at its
    /// width and would gain from more, but growth past the width waits out
    /// the settle.
    @Test func aShrunkJobGrowsBackToItsWidthWithinTheSettleButNotPastIt() throws {
        let decision = try tideRoundOnOneNode([
            runningJob(
                "shrunk", on: [0], maximum: 4, requested: 4, submitted: 9_000, start: 9_000, changed: 9_800,
                speedup: [1: 1, 4: 3.6], remaining: 30_000),
            runningJob(
                "settled", on: [1, 2], maximum: 8, requested: 2, submitted: 9_000, start: 9_000, changed: 9_800,
                speedup: [2: 2], remaining: 40_000),
        ])
        #expect(decision.workers("shrunk") == 4, "back to the width the claim took it from")
        #expect(decision.workers("settled") == 2, "no growth past its width within the settle")
    }
}
