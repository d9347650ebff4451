import Foundation
import TideAllocation

/// What a scheduler remembers of one job beyond its stored spec and status,
/// kept in the job's `job_info` document (field `scheduler`).
///
/// It is written before the scheduler acts (the intent: which run, which
/// workers where), so a scheduler that restarts knows which workers it
/// started and adopts them instead of starting a second set.
public struct SchedulerRecord: Codable, Sendable, Equatable {
    /// The run now live, or last live: 0 before the first start. Every start
    /// of a worker set takes the next number, so two sets never share one.
    public var run = 0
    /// The current run's workers, alive or starting; empty without workers.
    public var workers: [WorkerSlot] = []
    /// Indices of the current run's workers that exited 0 on their own.
    public var finishedWorkers: [Int] = []
    /// When the first worker set started (seconds since 1970).
    public var firstStartTime: Double?
    /// When the job's worker count or placement last changed after its first start.
    public var lastResizeTime: Double?
    /// When the current run started.
    public var runStartTime: Double?
    /// GPU-seconds and seconds with workers, over the runs already ended.
    public var attainedGpuSeconds = 0.0
    public var runningSeconds = 0.0
    /// Failed runs so far (a run Tide stopped is not a failure).
    public var retries = 0
    /// Changes of worker count or placement after the first start.
    public var resizes = 0
    /// A failed job waits until then before it may run again (retry backoff).
    public var notBefore: Double?
    /// Gang starts in a row that did not all start or were refused (optional: absent from older records).
    public var startTimeouts: Int?
    /// Live growths in a row whose new workers the cluster refused (a quota, say).
    public var growthRefusals: Int?
    /// After a refused growth the job keeps its count until then: the refusal's cause
    /// rarely passes within a round, and every try starts and stops workers.
    public var noGrowthBefore: Double?
    /// The policy's state for this job, sent back with every snapshot.
    public var policyState: JSONValue = .emptyObject

    public init() {}

    /// Workers of the current run.
    public var workerCount: Int { workers.count }

    /// GPU-seconds including the current run up to `now`.
    public func attained(at now: Double, gpusPerWorker: Int) -> Double {
        attainedGpuSeconds + currentRunSeconds(at: now) * Double(workers.count * gpusPerWorker)
    }

    /// Seconds with workers including the current run up to `now`.
    public func running(at now: Double) -> Double {
        runningSeconds + currentRunSeconds(at: now)
    }

    private func currentRunSeconds(at now: Double) -> Double {
        guard !workers.isEmpty, let start = runStartTime else { return 0 }
        return max(now - start, 0)
    }

    /// The current run ends at `now`: its time is added up and its workers forgotten.
    public mutating func endRun(at now: Double, gpusPerWorker: Int) {
        attainedGpuSeconds = attained(at: now, gpusPerWorker: gpusPerWorker)
        runningSeconds = running(at: now)
        workers = []
        finishedWorkers = []
        runStartTime = nil
    }

    /// A live resize at `now`: the run goes on with `workers`; the time so far is counted at the old width.
    public mutating func resizeLive(to workers: [WorkerSlot], at now: Double, gpusPerWorker: Int) {
        attainedGpuSeconds = attained(at: now, gpusPerWorker: gpusPerWorker)
        runningSeconds = running(at: now)
        runStartTime = now
        self.workers = workers
        lastResizeTime = now
        resizes += 1
    }

    /// A new run begins at `now` with `workers`: the next run number, and a resize unless it is the first start.
    public mutating func beginRun(_ workers: [WorkerSlot], at now: Double) {
        run += 1
        self.workers = workers
        finishedWorkers = []
        // A growth refused in an earlier run (perhaps on another GPU type) does not hold this one.
        forgetGrowthRefusals()
        runStartTime = now
        if firstStartTime == nil {
            firstStartTime = now
        } else {
            lastResizeTime = now
            resizes += 1
        }
    }

    /// A live growth the cluster refused at `now`: the job keeps its count for 1, 2, 4...
    /// minutes of refusals in a row (at most `longestGrowthBackoffSeconds`); a refusal long
    /// after the last backoff ended starts over. Returns the backoff.
    public mutating func refuseGrowth(at now: Double) -> Double {
        let recent = noGrowthBefore.map { now - $0 < Self.longestGrowthBackoffSeconds } ?? false
        let refusals = (recent ? growthRefusals ?? 0 : 0) + 1
        let backoff = min(60 * pow(2, Double(min(refusals, 16) - 1)), Self.longestGrowthBackoffSeconds)
        growthRefusals = refusals
        noGrowthBefore = now + backoff
        return backoff
    }

    /// The longest a refused growth holds a job at its count.
    public static let longestGrowthBackoffSeconds = 1_800.0

    /// Refusals no longer count: a growth went through, or a new run began.
    public mutating func forgetGrowthRefusals() {
        growthRefusals = nil
        noGrowthBefore = nil
    }
}

/// One worker of a run: its index and where it runs.
public struct WorkerSlot: Codable, Sendable, Equatable, Hashable {
    public var index: Int
    public var node: String
    public var gpus: [Int]

    public init(index: Int, node: String, gpus: [Int]) {
        self.index = index
        self.node = node
        self.gpus = gpus
    }
}
