import Foundation
import TideJobs

/// What identifies a progress sample: its receipt time in whole milliseconds
/// (what BSON keeps, so a mark read back compares equal to the one written),
/// its epoch and its width. The job is the history it belongs to.
///
/// Marks are ordered by time, then epoch, then width: a job's history keeps
/// the newest mark folded, and a sample at or before it was seen already (a
/// redelivery) or arrives too late to be folded in order.
public struct SampleMark: Codable, Sendable, Hashable, Comparable {
    /// Milliseconds since 1970.
    public var receivedAt: Int64
    public var epoch: Int
    public var workers: Int

    public init(receivedAt: Int64, epoch: Int, workers: Int) {
        self.receivedAt = receivedAt
        self.epoch = epoch
        self.workers = workers
    }

    public init(_ sample: ProgressSample) {
        self.init(
            receivedAt: Int64((sample.receivedAt.timeIntervalSince1970 * 1000).rounded()), epoch: sample.epoch,
            workers: sample.workers)
    }

    public static func < (a: SampleMark, b: SampleMark) -> Bool {
        (a.receivedAt, a.epoch, a.workers) < (b.receivedAt, b.epoch, b.workers)
    }

    /// Seconds from `earlier` to this mark.
    func seconds(since earlier: SampleMark) -> Double {
        Double(receivedAt - earlier.receivedAt) / 1000
    }
}
