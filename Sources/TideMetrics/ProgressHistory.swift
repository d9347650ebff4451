import TideJobs

/// What the metrics collector keeps of one job between its one-shot runs, and
/// the estimate it derives: the newest sample folded (for deduplication and
/// restart detection), a few recent steady epoch times per width, and the
/// first epochs after restarts.
///
/// Bounded by construction (`keptEpochs` per width, `keptRestarts`), so the
/// document holding it does not grow with the job's length.
///
/// Restarts are recognised from the reports alone (they carry no restart
/// count): a sample at another width than the previous one, one whose epoch
/// went back (resumed from an older checkpoint), or one that comes much later
/// than the job's pace allows (`2 ×` the epoch time `+ heartbeatSeconds`: the job
/// was stopped and started again at the same width). The next completed
/// epoch is then the first after a restart: not steady, and measured as the
/// restart's cost. A quick restart at the same width (a move) looks like a slow
/// epoch; the median of the kept times absorbs it. A job's very first epoch
/// (epoch 1) counts as a start, whose cost is what a restart pays too.
///
/// Folding is idempotent: a redelivered message has the newest mark or an older
/// one (`duplicate`, `stale`), and a report sent again later has the key of an
/// epoch report kept in `folded` (`duplicate`), so neither counts twice nor
/// reads as a restart.
public struct ProgressHistory: Codable, Sendable, Equatable {
    /// Steady epoch times kept per width.
    public static let keptEpochs = 5
    /// First-epoch-after-restart samples kept.
    public static let keptRestarts = 8
    /// Epoch reports remembered for recognising one sent again.
    public static let keptKeys = 8
    /// Worker 0 reports at least this often (the worker contract), epoch done or not.
    public static let heartbeatSeconds = 60.0

    /// The GPU type of the samples; a sample of another type starts a new history
    /// (a failback runs the job on other GPUs, whose speedups are not these).
    public var accelerator: String
    /// The newest sample folded.
    public var last: SampleMark?
    /// A restart was seen and the first epoch after it has not completed yet.
    public var restartPending: Bool
    /// Epochs done and the job's total, by the newest sample.
    public var epoch: Int?
    public var epochs: Int?
    /// Steady epoch times by width, ascending widths.
    public var steady: [WidthTimes]
    /// First epochs after starts and restarts, oldest first.
    public var restarts: [RestartSample]
    /// The estimate changed and no `metrics.<accelerator>.updated` has announced it yet.
    public var announcePending: Bool
    /// The keys of the latest epoch reports folded, oldest first (nil in documents
    /// written before it was kept).
    public var folded: [EpochKey]?

    public init(accelerator: String) {
        self.accelerator = accelerator
        last = nil
        restartPending = false
        epoch = nil
        epochs = nil
        steady = []
        restarts = []
        announcePending = false
        folded = nil
    }

    /// Folds `samples` in mark order (a batch may hold them in any order).
    @discardableResult
    public mutating func fold(contentsOf samples: [ProgressSample]) -> [FoldOutcome] {
        samples.sorted { SampleMark($0) < SampleMark($1) }.map { fold($0) }
    }

    /// Folds one sample, newer than every sample folded before it.
    public mutating func fold(_ sample: ProgressSample) -> FoldOutcome {
        guard sample.workers >= 1, sample.epoch >= 0, sample.epochs >= 0, sample.epochSeconds.isFinite,
            sample.epochSeconds > 0
        else { return .invalid }
        let mark = SampleMark(sample)
        if let last, mark <= last { return mark == last ? .duplicate : .stale }
        // An epoch report sent again after others: not a restart to an older checkpoint
        // or another width. Sent again at once it reads as a heartbeat, as it should.
        if let last, sample.accelerator == accelerator, sample.epoch != last.epoch || sample.workers != last.workers,
            folded?.contains(EpochKey(sample)) == true
        {
            return .duplicate
        }
        if sample.accelerator != accelerator {
            self = ProgressHistory(accelerator: sample.accelerator)
        }
        let previous = last
        last = mark
        epoch = sample.epoch
        epochs = sample.epochs
        guard let previous else { return remember(sample, foldFirst(sample)) }
        let pace = max(sample.epochSeconds, steadySeconds(workers: previous.workers) ?? 0)
        if sample.workers != previous.workers || sample.epoch < previous.epoch
            || mark.seconds(since: previous) > 2 * pace + Self.heartbeatSeconds
        {
            restartPending = true
        }
        guard sample.epoch > previous.epoch else { return .heartbeat }
        if restartPending {
            restartPending = false
            keep(restart: sample)
            return remember(sample, .restartEpoch)
        }
        keep(steady: sample)
        return remember(sample, .steady)
    }

    /// Keeps the key of an epoch report (not a heartbeat's: a restarted run's first
    /// reports may repeat those exactly), and passes `outcome` on.
    private mutating func remember(_ sample: ProgressSample, _ outcome: FoldOutcome) -> FoldOutcome {
        if outcome != .heartbeat {
            folded = Array(((folded ?? []) + [EpochKey(sample)]).suffix(Self.keptKeys))
        }
        return outcome
    }

    /// The first sample of a history: a start when it reports epoch 0 or 1.
    private mutating func foldFirst(_ sample: ProgressSample) -> FoldOutcome {
        switch sample.epoch {
        case 0:
            restartPending = true
            return .heartbeat
        case 1:
            keep(restart: sample)
            return .restartEpoch
        default:
            return .unknownRun
        }
    }

    private mutating func keep(steady sample: ProgressSample) {
        if let index = steady.firstIndex(where: { $0.workers == sample.workers }) {
            steady[index].seconds = Array((steady[index].seconds + [sample.epochSeconds]).suffix(Self.keptEpochs))
        } else {
            steady.append(WidthTimes(workers: sample.workers, seconds: [sample.epochSeconds]))
            steady.sort { $0.workers < $1.workers }
        }
    }

    private mutating func keep(restart sample: ProgressSample) {
        restarts = Array((restarts + [RestartSample(workers: sample.workers, seconds: sample.epochSeconds)])
            .suffix(Self.keptRestarts))
    }

    /// The median steady epoch time at `workers`, if measured.
    public func steadySeconds(workers: Int) -> Double? {
        steady.first { $0.workers == workers && !$0.seconds.isEmpty }?.median
    }

    /// Mean excess of the first epoch after a restart over the steady time at
    /// its width, at least 0; nil until some restart's width has a steady time.
    public var restartSeconds: Double? {
        let costs = restarts.compactMap { restart in steadySeconds(workers: restart.workers).map { restart.seconds - $0 } }
        guard !costs.isEmpty else { return nil }
        return max(0, costs.reduce(0, +) / Double(costs.count))
    }

    /// The speedup fit of the steady times, nil before any steady epoch.
    public var fit: SpeedupFit? {
        SpeedupFit(steady: Dictionary(steady.compactMap { width in
            steadySeconds(workers: width.workers).map { (width.workers, $0) }
        }, uniquingKeysWith: { first, _ in first }))
    }

    /// The estimate for `job_info`: the speedup table and measured widths of the
    /// fit, the one-worker seconds of the epochs left, the restart cost, progress.
    public var estimate: JobEstimate {
        var estimate = JobEstimate(restartSeconds: restartSeconds, epoch: epoch, epochs: epochs)
        if let fit {
            estimate.speedup = fit.table
            estimate.measuredWorkers = fit.steady.keys.sorted()
            if let epoch, let epochs {
                estimate.remainingSeconds = Double(max(epochs - epoch, 0)) * fit.oneWorkerSeconds
            }
        }
        return estimate
    }
}
