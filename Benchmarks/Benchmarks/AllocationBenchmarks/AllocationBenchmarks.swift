import Benchmark
import Foundation
import TideAllocation
import TideBenchSupport

/// One allocation round on a busy mid-run cluster (see `SnapshotGenerator`):
/// - `allocate`: `Allocator.allocate` alone, on decoded values;
/// - `json`: what `cmd allocate` does in-process: decode the bytes, allocate, encode.
/// Targets: 1k jobs / 512 GPUs under 1 ms, 10k jobs / 4,096 GPUs under 10 ms, on one core.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No cpuTotal (10 ms resolution here) and no instructions (no hardware
        // counters on these VMs: `perf stat -e instructions` says not supported).
        metrics: [.wallClock, .mallocCountTotal, .mallocBytesCount, .peakMemoryResident, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 2_000)

    let main = ["tide", "elastic-tiresias"]
    let others = Allocator.policyNames.filter { !main.contains($0) }
    var cases: [(Workload, String)] = []
    for workload in Workload.allCases { for policy in main { cases.append((workload, policy)) } }
    for policy in others { cases.append((.small, policy)) }

    for (workload, policy) in cases {
        let key = Fixtures.Key(workload: workload, policy: policy)
        Benchmark(
            "allocate \(policy) \(workload.rawValue)",
            configuration: .init(setup: { Fixtures.shared.prepare(key) })
        ) { benchmark in
            let snapshot = Fixtures.shared.snapshot(key)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try Allocator.allocate(snapshot))
            }
            benchmark.stopMeasurement()
        }
    }
    for workload in Workload.allCases {
        for policy in main {
            let key = Fixtures.Key(workload: workload, policy: policy)
            Benchmark(
                "json \(policy) \(workload.rawValue)",
                configuration: .init(setup: { Fixtures.shared.prepare(key) })
            ) { benchmark in
                let bytes = Fixtures.shared.json(key)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let snapshot = try AllocationCoding.decodeSnapshot(bytes)
                    let decision = try Allocator.allocate(snapshot)
                    blackHole(try AllocationCoding.encode(decision))
                }
                benchmark.stopMeasurement()
            }
        }
    }
}

/// Snapshots built once per process, outside the measurement.
final class Fixtures: @unchecked Sendable {
    struct Key: Hashable, Sendable {
        var workload: Workload
        var policy: String
    }

    static let shared = Fixtures()
    private let lock = NSLock()
    private var snapshots: [Key: AllocationSnapshot] = [:]
    private var bytes: [Key: Data] = [:]

    func prepare(_ key: Key) {
        lock.lock()
        defer { lock.unlock() }
        guard snapshots[key] == nil else { return }
        let snapshot = try! key.workload.generator.warmSnapshot(policy: key.policy)
        snapshots[key] = snapshot
        bytes[key] = try! AllocationCoding.encode(snapshot)
    }

    func snapshot(_ key: Key) -> AllocationSnapshot {
        prepare(key)
        lock.lock()
        defer { lock.unlock() }
        return snapshots[key]!
    }

    func json(_ key: Key) -> Data {
        prepare(key)
        lock.lock()
        defer { lock.unlock() }
        return bytes[key]!
    }
}
