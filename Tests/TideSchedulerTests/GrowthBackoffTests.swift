import Testing
import TideScheduler

/// The backoff after a live growth the cluster refused (`SchedulerRecord.refuseGrowth`):
/// pure bookkeeping, so every step is checked here rather than through a scheduler.
@Suite struct GrowthBackoffTests {
    @Test func refusalsInARowBackOffOneTwoFourMinutesUpToHalfAnHour() {
        var record = SchedulerRecord()
        var now = 1_000.0
        var backoffs: [Double] = []
        for _ in 0..<8 {
            let backoff = record.refuseGrowth(at: now)
            backoffs.append(backoff)
            #expect(record.noGrowthBefore == now + backoff)
            // The next try comes as soon as the backoff ends.
            now += backoff
        }
        #expect(backoffs == [60, 120, 240, 480, 960, 1_800, 1_800, 1_800])
        #expect(record.growthRefusals == 8)
    }

    @Test func aRefusalLongAfterTheLastBackoffStartsOver() {
        var record = SchedulerRecord()
        _ = record.refuseGrowth(at: 0)
        _ = record.refuseGrowth(at: 60)
        _ = record.refuseGrowth(at: 180)
        let ended = record.noGrowthBefore!
        // Within half an hour of the last backoff's end the count goes on...
        var soon = record
        #expect(soon.refuseGrowth(at: ended + 1_799) == 480)
        // ...after that it starts over at one minute.
        #expect(record.refuseGrowth(at: ended + 1_800) == 60)
        #expect(record.growthRefusals == 1)
    }

    @Test func aNewRunForgetsTheRefusals() {
        var record = SchedulerRecord()
        record.beginRun([WorkerSlot(index: 0, node: "n1", gpus: [0])], at: 0)
        _ = record.refuseGrowth(at: 100)
        _ = record.refuseGrowth(at: 160)
        record.endRun(at: 200, gpusPerWorker: 1)
        record.beginRun([WorkerSlot(index: 0, node: "n2", gpus: [1])], at: 300)
        #expect(record.growthRefusals == nil)
        #expect(record.noGrowthBefore == nil)
        // The next refusal is the first again.
        #expect(record.refuseGrowth(at: 400) == 60)
    }
}
