import Foundation
import Testing
import TideMetrics

/// Metrics files in Tide's plain form and in Voda's.
@Suite struct MetricsCSVTests {
    @Test func plainFormWithAndWithoutTimes() throws {
        let text = """
            epoch,workers,epoch_seconds,epochs,time
            1,2,60.5,30,2026-11-23T10:01:00Z
            2,2,50,30,1795435320

            3,4,,30,
            """
        let samples = try MetricsCSV.samples(text, job: "j", accelerator: "v100", epochs: nil)
        #expect(samples.map(\.epoch) == [1, 2])
        #expect(samples.map(\.epochSeconds) == [60.5, 50])
        #expect(samples[0].receivedAt == ISO8601DateFormatter().date(from: "2026-11-23T10:01:00Z"))
        #expect(samples[1].receivedAt == Date(timeIntervalSince1970: 1_795_435_320))
        #expect(samples.allSatisfy { $0.epochs == 30 && $0.workers == 2 && $0.job == "j" && $0.accelerator == "v100" })
        let untimed = try MetricsCSV.samples("epoch,workers,epoch_seconds\n1,1,10\n2,1,12\n", job: "j", accelerator: "v100", epochs: 5)
        #expect(untimed.map(\.receivedAt) == [Date(timeIntervalSince1970: 10), Date(timeIntervalSince1970: 22)])
        #expect(untimed.allSatisfy { $0.epochs == 5 })
    }

    /// The columns Voda's `MetricsCSVLogger` writes: `epoch` first, then the log keys sorted.
    @Test func vodaForm() throws {
        let text = """
            epoch,accuracy,epoch_time_sec,global_batch_size,local_batch_size,loss,start_time,step_time_sec,steps,total_epochs,verbose,workers
            0,0.5,120.0,256,128,1.2,2021-07-21 04:24:04.123456,0.25,480,20,1,2
            1,0.6,100.0,256,128,0.9,2021-07-21 04:26:04.500000,0.2,480,20,1,2
            2,0.7,NA,NA,NA,0.8,NA,NA,NA,NA,NA,NA
            """
        let samples = try MetricsCSV.samples(text, job: "j", accelerator: "v100", epochs: nil)
        #expect(samples.map(\.epoch) == [1, 2])
        #expect(samples.map(\.epochs) == [20, 20])
        #expect(samples[1].stepSeconds == 0.2 && samples[1].loss == 0.9)
        let start = try #require(ISO8601DateFormatter().date(from: "2021-07-21T04:26:04Z"))
        #expect(abs(samples[1].receivedAt.timeIntervalSince(start) - 100.5) < 1e-3)
    }

    @Test func quotedFieldsMayHoldCommas() throws {
        let text = "epoch,workers,epoch_seconds,note\n1,2,30,\"[1, 2], \"\"x\"\"\"\n"
        #expect(try MetricsCSV.samples(text, job: "j", accelerator: "v100", epochs: 3).count == 1)
    }

    @Test func aFileWithoutTheColumnsIsRefused() {
        #expect(throws: MetricsCSV.FormatError.self) {
            try MetricsCSV.samples("a,b\n1,2\n", job: "j", accelerator: "v100", epochs: 3)
        }
    }
}
