import Foundation
import PropertyBased
import Testing
import TideAllocation

/// Compact JSON of a snapshot, for failure messages (paste it into `cmd allocate`).
func json(_ snapshot: AllocationSnapshot) -> String {
    (try? AllocationCoding.encode(snapshot)).map { String(decoding: $0, as: UTF8.self) } ?? "\(snapshot)"
}

/// Random valid snapshots, every policy: the contract's invariants hold,
/// output is deterministic and independent of input order, JSON round-trips.
@Suite(.shrinking) struct AllocationPropertyTests {
    /// At least 1,000 per policy; `TIDE_PROPERTY_CASES` raises it for a longer hunt.
    static let casesPerPolicy = max(1_000, Int(ProcessInfo.processInfo.environment["TIDE_PROPERTY_CASES"] ?? "") ?? 0)

    @Test(arguments: Allocator.policyNames)
    func invariantsHoldOnRandomSnapshots(policy: String) async {
        await propertyCheck(count: Self.casesPerPolicy, input: SnapshotGenerator.snapshots(policy: policy)) { snapshot in
            let decision: AllocationDecision
            do {
                decision = try Allocator.allocate(snapshot)
            } catch {
                Issue.record("valid snapshot refused: \(error)\n\(json(snapshot))")
                return
            }
            let broken = violations(snapshot, decision)
            #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))\nsnapshot: \(json(snapshot))")
        }
    }

    @Test(arguments: Allocator.policyNames)
    func sameSnapshotGivesByteIdenticalOutput(policy: String) async throws {
        await propertyCheck(count: 300, input: SnapshotGenerator.snapshots(policy: policy)) { snapshot in
            let first = try AllocationCoding.encode(try Allocator.allocate(snapshot))
            // Through JSON as the RPC and `cmd allocate` see it.
            let decoded = try AllocationCoding.decodeSnapshot(try AllocationCoding.encode(snapshot))
            let second = try AllocationCoding.encode(try Allocator.allocate(decoded))
            #expect(first == second, "snapshot: \(json(snapshot))")
        }
    }

    @Test(arguments: Allocator.policyNames)
    func shuffledJobsAndNodesGiveTheSameDecision(policy: String) async {
        let input = zip(SnapshotGenerator.snapshots(policy: policy), Gen<UInt64>.value(in: 0...UInt64.max))
        await propertyCheck(count: 300, input: input) { snapshot, seed in
            var rng = SplitMix(seed: seed)
            var shuffled = snapshot
            shuffled.jobs.shuffle(using: &rng)
            shuffled.nodes.shuffle(using: &rng)
            let original = try AllocationCoding.encode(try Allocator.allocate(snapshot))
            let reordered = try AllocationCoding.encode(try Allocator.allocate(shuffled))
            #expect(
                original == reordered,
                "original: \(String(decoding: original, as: UTF8.self))\nshuffled: \(String(decoding: reordered, as: UTF8.self))\nsnapshot: \(json(snapshot))\nshuffled snapshot: \(json(shuffled))"
            )
        }
    }

    @Test func snapshotJSONRoundTrips() async {
        await propertyCheck(count: 1_000, input: SnapshotGenerator.snapshots(policy: "tide")) { snapshot in
            let data = try AllocationCoding.encode(snapshot)
            let decoded = try AllocationCoding.decodeSnapshot(data)
            #expect(decoded == snapshot, "snapshot: \(json(snapshot))")
            #expect(try AllocationCoding.encode(decoded) == data)
        }
    }

    @Test func decisionJSONRoundTrips() async {
        await propertyCheck(count: 300, input: SnapshotGenerator.snapshots(policy: "elastic-tiresias")) { snapshot in
            let decision = try Allocator.allocate(snapshot)
            let data = try AllocationCoding.encode(decision)
            #expect(try JSONDecoder().decode(AllocationDecision.self, from: data) == decision)
        }
    }

    /// The generator itself: every snapshot is valid, and the interesting
    /// cases (running jobs, recent resizes, several GPUs per worker, dips,
    /// holes, non-preemptible jobs) actually occur.
    @Test func generatorCoversTheInterestingCases() async {
        var rng = SplitMix(seed: 42)
        var seen: [String: Int] = [:]
        let generator = SnapshotGenerator.genes
        for _ in 0..<500 {
            let genes = generator.run(using: &rng)
            let snapshot = genes.snapshot(policy: "tide")
            #expect(throws: Never.self) { _ = try Allocator.allocate(snapshot) }
            for job in snapshot.jobs {
                if !job.placement.isEmpty { seen["running", default: 0] += 1 }
                if job.gpusPerWorker > 1 { seen["multi-GPU workers", default: 0] += 1 }
                if !job.preemptible && !job.placement.isEmpty { seen["non-preemptible running", default: 0] += 1 }
                if let t = job.lastResizeTime ?? job.firstStartTime, !job.placement.isEmpty,
                    snapshot.now - t < snapshot.minResizeInterval
                {
                    seen["recently resized", default: 0] += 1
                }
                let points = job.speedup.compactMap { k, v in Int(k).map { ($0, v) } }.sorted { $0.0 < $1.0 }
                if zip(points, points.dropFirst()).contains(where: { $1.1 < $0.1 }) { seen["dip", default: 0] += 1 }
                if zip(points, points.dropFirst()).contains(where: { $1.0 > $0.0 + 1 }) { seen["hole", default: 0] += 1 }
                if job.remainingSeconds == nil { seen["no estimate", default: 0] += 1 }
                if job.policyState["queue"] != nil { seen["tiresias state", default: 0] += 1 }
                if job.placement.count > 1 { seen["spans nodes", default: 0] += 1 }
            }
        }
        for key in [
            "running", "multi-GPU workers", "non-preemptible running", "recently resized", "dip", "hole", "no estimate",
            "tiresias state", "spans nodes",
        ] {
            #expect(seen[key, default: 0] > 20, "\(key): \(seen[key, default: 0])")
        }
    }
}

/// A small seeded generator for shuffles (SplitMix64).
struct SplitMix: RandomNumberGenerator, SeededRandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    init() { state = 0 }
    var currentSeed: UInt64 { state }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
