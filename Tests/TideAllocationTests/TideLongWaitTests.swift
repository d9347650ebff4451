import Foundation
import Testing
import TideAllocation

/// `tide`'s stops for a newcomer that would otherwise wait for hours: on a cluster full
/// of long jobs, the median running job is long (the short ones ended), so a newcomer taken
/// as typical could never stop one, and waited until one ended. One 8-GPU node at time
/// 10,000, each GPU held by a one-worker job.
@Suite struct TideLongWaitTests {
    static let newcomer = oneGPUNewcomer
    /// The state `tide` leaves a job it stopped, which the scheduler hands back every round.
    static let madeWay = JSONValue.object(["madeWay": .bool(true)])

    /// Eight one-GPU jobs with `remaining` one-worker seconds left each; `waited` and `madeWay` as `runningJob`'s.
    func cluster(remaining: [Double], waited: Double? = nil, madeWay: Bool = false) -> [String] {
        remaining.enumerated().map { index, left in
            runningJob(
                "long-\(index)", on: [index], maximum: 1, submitted: 0, waited: waited, speedup: [1: 1], remaining: left,
                madeWay: madeWay)
        } + [Self.newcomer]
    }

    @Test func aNewcomerThatWouldWaitHoursStopsALongJob() throws {
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8)))
        #expect(decision.workers("new") == 1)
        let stopped = (0..<8).filter { decision.workers("long-\($0)") == 0 }
        #expect(stopped.count == 1, "\(decision.allocations.keys.sorted())")
    }

    @Test func theGapsOfRestartsForResizesAreNoStop() throws {
        // A scheduler stops and starts a job's workers to resize it: a job resized often over
        // days has spent 2,000 s without workers since its first start, and still makes way.
        // Only the policy's own mark says a job was stopped.
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8), waited: 2_000))
        #expect(decision.workers("new") == 1)
        #expect((0..<8).filter { decision.workers("long-\($0)") == 0 }.count == 1)
    }

    @Test func aStoppedJobIsMarkedAndKeepsTheMark() throws {
        let first = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8)))
        let stopped = (0..<8).map { "long-\($0)" }.filter { first.workers($0) == 0 }
        #expect(stopped.count == 1)
        for index in 0..<8 {
            let name = "long-\(index)"
            #expect(first.policyState[name] == (stopped.contains(name) ? Self.madeWay : .emptyObject), "\(name)")
        }
        #expect(first.policyState["new"] == .emptyObject)
        // The next round, the stopped job waits with the state the scheduler stored: it keeps
        // the mark while it waits.
        let state = try #require(first.policyState[stopped[0]])
        let waiting = """
            {"name": "\(stopped[0])", "minWorkers": 1, "maxWorkers": 1, "requestedWorkers": 1, "submitTime": 0,
             "firstStartTime": 100, "lastResizeTime": 10000, "runningSeconds": 9900, "waitingSeconds": 100,
             "speedup": {"1": 1}, "measuredWorkers": [1], "remainingSeconds": 100000,
             "policyState": \(String(decoding: try AllocationCoding.encode(state), as: UTF8.self))}
            """
        let holders = (0..<8).map {
            runningJob("other-\($0)", on: [$0], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 100_000, madeWay: true)
        }
        let next = try tideRoundOnOneNode(holders + [waiting])
        #expect(next.workers(stopped[0]) == 0)
        #expect(next.policyState[stopped[0]] == Self.madeWay)
        // Running again later, it is still the job that made way.
        let again = try tideRoundOnOneNode([
            runningJob("back", on: [0], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 100_000, madeWay: true)
        ])
        #expect(again.workers("back") == 1)
        #expect(again.policyState["back"] == Self.madeWay)
    }

    @Test func onlyAJobWithoutTheMarkMakesWay() throws {
        // Seven holders made way before and one did not: that one is stopped, whichever GPU it holds.
        for unmarked in [0, 7] {
            let holders = (0..<8).map { index in
                runningJob(
                    "long-\(index)", on: [index], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 100_000,
                    madeWay: index != unmarked)
            }
            let decision = try tideRoundOnOneNode(holders + [Self.newcomer])
            #expect(decision.workers("new") == 1)
            #expect((0..<8).filter { decision.workers("long-\($0)") == 0 } == [unmarked])
        }
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
        // Stopped once before (marked in its state) and ran far longer than it waited: the usual
        // rule applies, and at four times the median (here its own length) it stops nobody.
        let decision = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8), madeWay: true))
        #expect(decision.workers("new") == 0)
        #expect((0..<8).allSatisfy { decision.workers("long-\($0)") == 1 })
        // The same cluster without the marks: the newcomer is a long wait and stops one.
        let unmarked = try tideRoundOnOneNode(cluster(remaining: Array(repeating: 100_000, count: 8)))
        #expect(unmarked.workers("new") == 1)
    }

    /// A job that ran before, with 5,000 s left, may stop a holder four times longer under
    /// the usual rule. A long-waiting newcomer ahead of it may stop none of them (every holder
    /// made way before, and none is four times the median), and its failure must not count
    /// as the other job's.
    @Test func aJobBehindALongWaitingNewcomerStillStopsWhatItMay() throws {
        let previous = """
            {"name": "prev", "minWorkers": 1, "maxWorkers": 1, "requestedWorkers": 1, "submitTime": 8000,
             "firstStartTime": 8100, "lastResizeTime": 9000, "runningSeconds": 1000, "waitingSeconds": 1000,
             "speedup": {"1": 1}, "measuredWorkers": [1], "remainingSeconds": 5000}
            """
        let holders = (0..<7).map {
            runningJob("long-\($0)", on: [$0], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 100_000, madeWay: true)
        } + [runningJob("mid", on: [7], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 30_000, madeWay: true)]
        for jobs in [holders + [previous], holders + [previous, Self.newcomer]] {
            let decision = try tideRoundOnOneNode(jobs)
            #expect(decision.workers("prev") == 1)
            #expect(decision.workers("new") == 0)
            let stopped = (0..<7).filter { decision.workers("long-\($0)") == 0 }.count + (decision.workers("mid") == 0 ? 1 : 0)
            #expect(stopped == 1)
        }
    }

    /// A job no node can hold (two 8-GPU workers on one 8-GPU node) never runs: the
    /// newcomer behind it is no long wait, and waits for the jobs ending within hours.
    @Test func aJobThatCanNeverRunDelaysNobody() throws {
        let impossible = """
            {"name": "huge", "minWorkers": 2, "maxWorkers": 2, "requestedWorkers": 2, "gpusPerWorker": 8, "submitTime": 0, "waitingSeconds": 10000}
            """
        let jobs = (0..<7).map { runningJob("end-\($0)", on: [$0], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 10_800) }
            + [runningJob("long", on: [7], maximum: 1, submitted: 0, speedup: [1: 1], remaining: 40_000)]
        let decision = try tideRoundOnOneNode(jobs + [impossible, Self.newcomer])
        #expect(decision.workers("new") == 0)
        #expect(decision.workers("long") == 1)
    }

    /// A newcomer of a higher priority may take a lower tier's GPUs at once: it is no long
    /// wait, and it stops a lower-priority job, not one of its own tier.
    @Test func aHigherPriorityNewcomerTakesFromALowerTierFirst() throws {
        let newcomer = """
            {"name": "new", "minWorkers": 1, "maxWorkers": 1, "requestedWorkers": 1, "submitTime": 9990, "waitingSeconds": 10, "priority": 1}
            """
        let low = (0..<4).map { runningJob("low-\($0)", on: [$0], maximum: 1, priority: 0, submitted: 0, speedup: [1: 1], remaining: 100_000) }
        let same = (4..<8).map { runningJob("same-\($0)", on: [$0], maximum: 1, priority: 1, submitted: 0, speedup: [1: 1], remaining: 200_000) }
        let decision = try tideRoundOnOneNode(low + same + [newcomer])
        #expect(decision.workers("new") == 1)
        #expect((4..<8).allSatisfy { decision.workers("same-\($0)") == 1 })
        #expect((0..<4).filter { decision.workers("low-\($0)") == 0 }.count == 1)
    }
}
