/// The claims that found too few GPUs, per priority, kept so that a later
/// claim sure to fail the same way is refused without a scan.
///
/// A claim that needs `need` GPUs from holds (beyond the free ones) under
/// stop threshold `threshold` fails when one of its priority failed with a
/// threshold as low and a need as small (what holds can give a claim only
/// falls as admission goes on; the free GPUs may grow, when a stop frees more
/// than its claim takes, so needs are counted beyond them). Only the failures no
/// other one implies are kept, by threshold ascending (needs then fall), so
/// a question is a binary search rather than a scan of every failure.
struct FailedClaims {
    private struct Failure {
        var threshold: Double
        var need: Int
    }

    /// A priority's failures; a round has a few priorities.
    private var tiers: [(priority: Int, failures: [Failure])] = []

    /// Whether a failure of `priority` with a threshold at most `threshold`
    /// and a need at most `need` is recorded.
    func implyFailure(priority: Int, threshold: Double, need: Int) -> Bool {
        guard let tier = tiers.firstIndex(where: { $0.priority == priority }) else { return false }
        let failures = tiers[tier].failures
        // The last failure at or under the threshold has the smallest need of those.
        let end = Self.firstAbove(threshold, in: failures)
        return end > 0 && failures[end - 1].need <= need
    }

    mutating func record(priority: Int, threshold: Double, need: Int) {
        // A NaN threshold is at most nothing: such a failure implies none.
        guard !threshold.isNaN, !implyFailure(priority: priority, threshold: threshold, need: need) else { return }
        let tier: Int
        if let known = tiers.firstIndex(where: { $0.priority == priority }) {
            tier = known
        } else {
            tiers.append((priority, []))
            tier = tiers.count - 1
        }
        // Failures this one implies: a threshold as high and a need as large.
        var start = 0
        while start < tiers[tier].failures.count && tiers[tier].failures[start].threshold < threshold { start += 1 }
        var end = start
        while end < tiers[tier].failures.count && tiers[tier].failures[end].need >= need { end += 1 }
        tiers[tier].failures.replaceSubrange(start..<end, with: CollectionOfOne(Failure(threshold: threshold, need: need)))
    }

    /// The number of failures with a threshold at most `threshold`.
    private static func firstAbove(_ threshold: Double, in failures: [Failure]) -> Int {
        var low = 0, high = failures.count
        while low < high {
            let mid = (low + high) / 2
            if failures[mid].threshold <= threshold { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
