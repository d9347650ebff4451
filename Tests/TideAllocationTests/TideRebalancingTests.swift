import Foundation
import Testing
import TideAllocation

/// `tide`'s rebalancing: when nobody waits, workers move from the long job
/// whose last worker gains least to the long job whose next worker gains
/// three times more or better. One 8-GPU node at time 10,000, no GPU free.
@Suite struct TideRebalancingTests {
    /// `wide` runs on 7 workers but its last three add 0.1 of a worker's
    /// speed between them; `narrow`, on one, scales linearly to 4. Neither
    /// is four times the other's length, so lending moves nothing.
    func cluster(wide: String, narrow: String? = nil) -> [String] {
        [wide, narrow ?? runningJob("narrow", on: [7], maximum: 8, speedup: [1: 1, 2: 2], remaining: 100_000)]
    }

    func wideJob(
        minimum: Int = 1, priority: Int = 0, preemptible: Bool = true, changed: Double = 100,
        speedup: [Int: Double] = [1: 1, 2: 1.9, 4: 2.2, 7: 2.3], remaining: Double = 500_000
    ) -> String {
        runningJob(
            "wide", on: Array(0...6), minimum: minimum, maximum: 8, priority: priority, preemptible: preemptible, changed: changed,
            speedup: speedup, remaining: remaining)
    }

    @Test func workersMoveToTheJobWhoseNextWorkerGainsFarMore() throws {
        // `narrow` gains a full worker's speed per GPU up to 4 workers; `wide`
        // loses 0.03 per GPU down to 4, then 0.15: the move stops where `narrow`
        // stops gaining.
        let decision = try tideRoundOnOneNode(cluster(wide: wideJob()))
        #expect(decision.workers("narrow") == 4)
        #expect(decision.workers("wide") == 4)
    }

    @Test func nothingMovesWhileAJobWaits() throws {
        // Its minimum needs the whole node, and at a lower priority it may take nothing from
        // the running jobs (at theirs it would stop them: neither ends within hours).
        let waiting = """
            {"name": "waiting", "minWorkers": 8, "maxWorkers": 8, "requestedWorkers": 8, "submitTime": 9000, "priority": -1,
             "runningSeconds": 0, "restartSeconds": 30, "placement": [], "speedup": {}, "measuredWorkers": []}
            """
        let decision = try tideRoundOnOneNode(cluster(wide: wideJob()) + [waiting])
        #expect(decision.workers("waiting") == 0)
        #expect(decision.workers("narrow") == 1)
        #expect(decision.workers("wide") == 7)
    }

    @Test func nothingMovesWhileAJobOfTheSamePriorityWaits() throws {
        // Both running jobs made way for a long-waiting newcomer before (marked in their
        // state), and neither is four times the median: neither may be stopped.
        let waiting = """
            {"name": "waiting", "minWorkers": 8, "maxWorkers": 8, "requestedWorkers": 8, "submitTime": 9000,
             "runningSeconds": 0, "restartSeconds": 30, "placement": [], "speedup": {}, "measuredWorkers": []}
            """
        let wide = runningJob(
            "wide", on: Array(0...6), maximum: 8, speedup: [1: 1, 2: 1.9, 4: 2.2, 7: 2.3], remaining: 500_000, madeWay: true)
        let narrow = runningJob("narrow", on: [7], maximum: 8, speedup: [1: 1, 2: 2], remaining: 100_000, madeWay: true)
        let decision = try tideRoundOnOneNode([wide, narrow, waiting])
        #expect(decision.workers("waiting") == 0)
        #expect(decision.workers("narrow") == 1)
        #expect(decision.workers("wide") == 7)
    }

    @Test func aGainUnderThreeTimesTheLossMovesNothing() throws {
        // Linear to 7 workers at 0.4 of a worker each: `narrow`'s gain of 1 is 2.5 times that.
        let decision = try tideRoundOnOneNode(cluster(wide: wideJob(speedup: [1: 1, 7: 3.4])))
        #expect(decision.workers("narrow") == 1)
        #expect(decision.workers("wide") == 7)
    }

    @Test func jobsWithUnderAnHourLeftKeepTheirCount() throws {
        // 5,000 one-worker seconds at a speedup of 2.3: about 2,200 s left.
        let shortGiver = try tideRoundOnOneNode(cluster(wide: wideJob(remaining: 5_000)))
        #expect(shortGiver.workers("narrow") == 1)
        #expect(shortGiver.workers("wide") == 7)
        // 20,000 one-worker seconds at 2.3: about 8,700 s, under 4 times `narrow`'s 3,000, so nothing is lent.
        let shortTaker = try tideRoundOnOneNode(
            cluster(wide: wideJob(remaining: 20_000), narrow: runningJob("narrow", on: [7], maximum: 8, speedup: [1: 1, 2: 2], remaining: 3_000)))
        #expect(shortTaker.workers("narrow") == 1)
        #expect(shortTaker.workers("wide") == 7)
    }

    @Test func aSettlingHigherPriorityOrNonPreemptibleJobGivesNothing() throws {
        for wide in [wideJob(changed: 9_700), wideJob(priority: 1), wideJob(preemptible: false)] {
            let decision = try tideRoundOnOneNode(cluster(wide: wide))
            #expect(decision.workers("narrow") == 1, "\(wide)")
            #expect(decision.workers("wide") == 7, "\(wide)")
        }
    }

    @Test func aGiverKeepsItsMinimum() throws {
        let decision = try tideRoundOnOneNode(cluster(wide: wideJob(minimum: 6)))
        #expect(decision.workers("narrow") == 2)
        #expect(decision.workers("wide") == 6)
    }
}
