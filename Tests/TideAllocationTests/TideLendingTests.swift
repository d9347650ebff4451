import Foundation
import Testing
import TideAllocation

/// `tide`'s lending: on a full cluster, a running job takes its next worker
/// from a running job at least four times longer when the time it saves
/// exceeds what the lender loses and both restarts. One 8-GPU node, at time
/// 10,000, nobody waiting and no GPU free.
@Suite struct TideLendingTests {
    /// `long` has about 83,000 s left on 6 workers, `short` 4,000 s on 1: a
    /// second worker saves `short` about 2,000 s, and `long` loses one
    /// sixth of its speed for those 2,000 s plus two restarts.
    func cluster(
        long: String = runningJob("long", on: Array(0...5), maximum: 8, speedup: [6: 6], remaining: 500_000),
        short: String = runningJob("short", on: [6], maximum: 2, speedup: [1: 1], remaining: 4_000)
    ) -> [String] {
        [long, short, runningJob("fixed", on: [7], maximum: 1, speedup: [1: 1], remaining: 50_000)]
    }

    @Test func aShortJobBorrowsAWorkerFromAMuchLongerOne() throws {
        let decision = try tideRoundOnOneNode(cluster())
        #expect(decision.workers("short") == 2)
        #expect(decision.workers("long") == 5)
        #expect(decision.workers("fixed") == 1)
    }

    @Test func aLenderOnlyFourTimesLongerOrLessLendsNothing() throws {
        // 60,000 one-worker seconds on 6 workers: 10,000 s, 2.5 times `short`'s.
        let decision = try tideRoundOnOneNode(cluster(long: runningJob("long", on: Array(0...5), maximum: 8, speedup: [6: 6], remaining: 60_000)))
        #expect(decision.workers("short") == 1)
        #expect(decision.workers("long") == 6)
    }

    @Test func aBorrowerThatSavesLessThanTheLenderLosesBorrowsNothing() throws {
        // Measured at 2 workers 1.1 times as fast: a second worker saves `short` 364 s, less than the 661 s
        // `long` would lose (a sixth of its speed over the 3,636 s of the loan, and two restarts).
        let decision = try tideRoundOnOneNode(
            cluster(short: runningJob("short", on: [6], maximum: 2, requested: 1, speedup: [1: 1, 2: 1.1], remaining: 4_000)))
        #expect(decision.workers("short") == 1)
        #expect(decision.workers("long") == 6)
    }

    @Test func aSettlingHigherPriorityOrNonPreemptibleJobLendsNothing() throws {
        let lenders = [
            runningJob("long", on: Array(0...5), maximum: 8, changed: 9_700, speedup: [6: 6], remaining: 500_000),
            runningJob("long", on: Array(0...5), maximum: 8, priority: 1, speedup: [6: 6], remaining: 500_000),
            runningJob("long", on: Array(0...5), maximum: 8, preemptible: false, speedup: [6: 6], remaining: 500_000),
        ]
        for lender in lenders {
            let decision = try tideRoundOnOneNode(cluster(long: lender))
            #expect(decision.workers("short") == 1, "\(lender)")
            #expect(decision.workers("long") == 6, "\(lender)")
        }
    }

    @Test func aSettlingJobThatAClaimShrinksLendsToo() throws {
        // `long` changed 300 s ago, within its settle. A newcomer's claim takes one of its
        // workers; with that restart paid, it lends `short` one more. Without the newcomer it
        // is not shrunk and lends nothing.
        let long = runningJob("long", on: Array(0...5), maximum: 8, changed: 9_700, speedup: [6: 6], remaining: 500_000)
        let shrunk = try tideRoundOnOneNode(cluster(long: long) + [oneGPUNewcomer])
        #expect(shrunk.workers("new") == 1)
        #expect(shrunk.workers("short") == 2)
        #expect(shrunk.workers("long") == 4)
        #expect(shrunk.workers("fixed") == 1)
        let alone = try tideRoundOnOneNode(cluster(long: long))
        #expect(alone.workers("short") == 1)
        #expect(alone.workers("long") == 6)
    }

    @Test func aJobNeverResizedBorrowsWithinItsFirstSettle() throws {
        // Started 200 s ago, at the count it still runs: its first growth is a loan, priced as any.
        let decision = try tideRoundOnOneNode(
            cluster(short: runningJob("short", on: [6], maximum: 2, start: 9_800, changed: 9_800, speedup: [1: 1], remaining: 4_000)))
        #expect(decision.workers("short") == 2)
        #expect(decision.workers("long") == 5)
    }

    @Test func aJobNeverResizedWithoutAnEstimateWaitsOutItsSettle() throws {
        // Its length is a guess (as long as it has run, at least 600 s): no early loan on that.
        let decision = try tideRoundOnOneNode(
            cluster(short: runningJob("short", on: [6], maximum: 2, start: 9_800, changed: 9_800, speedup: [1: 1], remaining: nil)))
        #expect(decision.workers("short") == 1)
        #expect(decision.workers("long") == 6)
    }

    @Test func aJobResizedWithinItsSettleBorrowsNothing() throws {
        let decision = try tideRoundOnOneNode(
            cluster(short: runningJob("short", on: [6], maximum: 2, changed: 9_800, speedup: [1: 1], remaining: 4_000)))
        #expect(decision.workers("short") == 1)
        #expect(decision.workers("long") == 6)
    }

    @Test func aLenderKeepsItsMinimum() throws {
        let decision = try tideRoundOnOneNode(
            cluster(long: runningJob("long", on: Array(0...5), minimum: 6, maximum: 8, speedup: [6: 6], remaining: 500_000)))
        #expect(decision.workers("short") == 1)
        #expect(decision.workers("long") == 6)
    }
}
