import TideJobs

/// Whether a new estimate differs from the stored one enough to wake a scheduler.
///
/// Numbers are compared to a relative 1e-9: a double read back from the store
/// may differ in its last bit, which is no change.
public enum EstimateChange {
    public static func differs(_ new: JobEstimate, from old: JobEstimate?) -> Bool {
        guard let old else { return true }
        guard new.measuredWorkers == old.measuredWorkers, new.epoch == old.epoch, new.epochs == old.epochs,
            Set(new.speedup.keys) == Set(old.speedup.keys),
            close(new.remainingSeconds, old.remainingSeconds), close(new.restartSeconds, old.restartSeconds)
        else { return true }
        return new.speedup.contains { key, value in !close(value, old.speedup[key]) }
    }

    private static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (a?, b?): abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1)
        default: false
        }
    }
}
