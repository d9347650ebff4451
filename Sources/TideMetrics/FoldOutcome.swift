/// What folding one progress sample into a job's history did with it.
public enum FoldOutcome: String, Sendable, Equatable {
    /// A steady epoch time, kept for its width.
    case steady
    /// The first epoch after a start or restart: not steady, kept as a restart sample.
    case restartEpoch
    /// No epoch completed since the previous sample (a report between epochs); only the mark moved.
    case heartbeat
    /// The first sample seen of a run already under way: whether its epoch followed a
    /// restart is unknown, so its time is not used.
    case unknownRun
    /// The same mark as the newest folded (a redelivery), or the same epoch report as one
    /// folded before, sent again after others.
    case duplicate
    /// Older than the newest folded: too late to fold in order, dropped.
    case stale
    /// Not a usable report (no workers, a non-positive or non-finite time, negative epochs).
    case invalid

    /// True when the history changed.
    public var changesHistory: Bool {
        switch self {
        case .steady, .restartEpoch, .heartbeat, .unknownRun: true
        case .duplicate, .stale, .invalid: false
        }
    }
}
