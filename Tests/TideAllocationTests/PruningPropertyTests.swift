import Foundation
import PropertyBased
import Testing
@testable import TideAllocation

/// The planner's pruning of claims (a failed claim implying that later ones of as much and
/// a stop threshold as high fail too; the candidate holders one claim found, reused by the
/// next) is only a shortcut: on random snapshots, every policy plans the same counts
/// without it.
@Suite struct PruningPropertyTests {
    @Test(arguments: Allocator.policyNames)
    func pruningNeverChangesACount(policy: String) async {
        await propertyCheck(count: 3000, input: SnapshotGenerator.snapshots(policy: policy)) { snapshot in
            let pruned = try Allocator.allocate(snapshot)
            let full = try WorkerCountPlanner.$prunesClaims.withValue(false) { try Allocator.allocate(snapshot) }
            let counts = { (decision: AllocationDecision) in decision.allocations.mapValues(\.workers) }
            #expect(counts(pruned) == counts(full), "snapshot: \(json(snapshot))")
        }
    }
}
