import Foundation
import Testing
import TideAllocation

/// `tide`'s stops for a newcomer that would otherwise wait for hours: on a cluster full
/// of long jobs, the median running job is long (the short ones ended), so a newcomer taken
/// as typical could never stop one, and waited until one ended. One 8-GPU node at time
/// 10,000, each GPU held by a one-worker job.
@Suite struct TideLongWaitTests {
    static let newcomer = """
        {"name": "new", "minWorkers": 1, "maxWorkers": 1, "requestedWorkers": 1, "submitTime": 9990, "waitingSeconds": 10}
        """

    /// Eight one-GPU jobs with `remaining` one-worker seconds left each; `waited` as `runningJob`'s.
    func cluster(remaining: [Double], waited: Double? = nil) -> [String] {
        remaining.enumerated().map { index, left in
            runningJob("long-\(index)", on: [index], maximum: 1, submitted: 0, waited: waited, speedup: [1: 1], remaining: left)
        } + [Self.newcomer]
    }

    @Test func aNewcomerThatWouldWaitHoursStopsALongJob() throws {
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8)))
        #expect(decision.workers("new") == 1)
        let stopped = (0..<8).filter { decision.workers("long-\($0)") == 0 }
        #expect(stopped.count == 1, "\(decision.allocations.keys.sorted())")
    }

    @Test func aMinuteWithoutWorkersForAResizeIsNoStop() throws {
        // A scheduler stops and starts a job's workers to resize it: 60 s without workers since
        // its first start, and the jobs still make way.
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8), waited: 160))
        #expect(decision.workers("new") == 1)
        #expect((0..<8).filter { decision.workers("long-\($0)") == 0 }.count == 1)
    }

    @Test func aNewcomerWaitsForAJobEndingWithinHours() throws {
        // long-7 ends in 3 hours: its GPU comes sooner than six hours, so nobody is stopped.
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 7) + [10_800]))
        #expect(decision.workers("new") == 0)
        #expect((0..<8).allSatisfy { decision.workers("long-\($0)") == 1 })
    }

    @Test func aJobThatWaitedLongerThanItRanIsNotStopped() throws {
        // Seven jobs end within six hours; `huge` is 50 times their median, so the usual rule
        // stops it for the newcomer, unless it has waited longer than it ran (stopped before:
        // stopped again after every settle, it would never get far).
        func round(hugeWaited: Double?) throws -> AllocationDecision {
            let jobs = (0..<7).map { index in
                runningJob("job-\(index)", on: [index], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 20_000)
            }
            let huge = runningJob("huge", on: [7], maximum: 1, submitted: 0, waited: hugeWaited, speedup: [1: 1], remaining: 1_000_000)
            return try tideRoundOnOneNode(jobs + [huge, Self.newcomer])
        }
        let fresh = try round(hugeWaited: nil)
        #expect(fresh.workers("new") == 1)
        #expect(fresh.workers("huge") == 0)
        let stoppedBefore = try round(hugeWaited: 6_000)
        #expect(stoppedBefore.workers("new") == 0)
        #expect(stoppedBefore.workers("huge") == 1)
    }

    @Test func aJobStoppedBeforeMakesWayForALongWaitOnlyUnderTheUsualRule() throws {
        // Waited 1,000 s after its first start (stopped once) but ran far longer: the usual rule
        // applies, and at four times the median (here its own length) it stops nobody.
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8), waited: 1_100))
        #expect(decision.workers("new") == 0)
    }
}
