/// When a crashed part starts again. Pure.
///
/// The first crash is restarted at once (within a second, as the spec asks);
/// a part that keeps crashing waits twice as long each time, up to a
/// ceiling, so a broken part does not spin. A part that ran for a while
/// before crashing counts as healthy again.
public struct RestartBackoff: Sendable, Equatable {
    public var first: Duration = .milliseconds(100)
    public var ceiling: Duration = .seconds(30)
    /// A run at least this long resets the count of consecutive crashes.
    public var healthyAfter: Duration = .seconds(30)

    public init() {}

    /// The wait before restart number `crashes` of a row (1 = the first crash).
    public func delay(afterConsecutiveCrashes crashes: Int) -> Duration {
        guard crashes > 1 else { return first }
        var delay = Duration.milliseconds(500)
        for _ in 2..<min(crashes, 20) { delay *= 2 }
        return min(delay, ceiling)
    }

    /// The count of consecutive crashes after one that ended a run of `ranFor`.
    public func crashes(after previous: Int, ranFor: Duration) -> Int {
        ranFor >= healthyAfter ? 1 : previous + 1
    }
}
