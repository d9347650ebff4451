import Foundation
import TideAllocation
import TideBenchSupport

/// Helper for run-timing.sh:
///   tide-bench describe                     what the generated snapshots look like
///   tide-bench dump WORKLOAD POLICY         the warm snapshot as JSON on stdout
///   tide-bench time [SECONDS [KIND [POLICY [WORKLOAD]]]]  plain monotonic-clock timing of every (or the chosen) case
///   tide-bench loop WORKLOAD POLICY N [json]  run one case N times, for profilers
///   tide-bench exec BINARY FILE RUNS [LABEL [WORKLOAD]]  wall time of `BINARY allocate < FILE`, RUNS times
let arguments = Array(CommandLine.arguments.dropFirst())

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func workload(_ name: String) -> Workload {
    guard let w = Workload(rawValue: name) else {
        fail("unknown workload '\(name)'; one of \(Workload.allCases.map(\.rawValue))")
    }
    return w
}

/// Sorted samples' percentile, nearest rank.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func formatMs(_ value: Double) -> String { String(format: "%9.3f", value * 1000) }

/// Runs `body` repeatedly: 3 warm-ups, then until `budget` seconds or 5,000 samples, at least 20.
func measure(budget: Double, _ body: () throws -> Void) rethrows -> [Double] {
    for _ in 0..<3 { try body() }
    let clock = ContinuousClock()
    var samples: [Double] = []
    let start = clock.now
    while samples.count < 20 || (seconds(clock.now - start) < budget && samples.count < 5_000) {
        let t0 = clock.now
        try body()
        samples.append(seconds(clock.now - t0))
    }
    return samples.sorted()
}

switch arguments.first {
case "describe":
    for w in Workload.allCases {
        let snapshot = w.generator.snapshot(policy: "tide")
        let running = snapshot.jobs.filter { $0.currentWorkers > 0 }
        let used = running.reduce(0) { $0 + $1.currentWorkers * $1.gpusPerWorker }
        let capacity = snapshot.nodes.reduce(0) { $0 + $1.availableGpus.count }
        let recent = running.filter { snapshot.now - ($0.lastResizeTime ?? 0) < snapshot.minResizeInterval }.count
        let bytes = try AllocationCoding.encode(snapshot).count
        print("\(w.rawValue): \(snapshot.jobs.count) jobs, \(snapshot.nodes.count) nodes, \(capacity) GPUs; "
            + "\(running.count) running on \(used) GPUs, \(recent) resized <\(Int(snapshot.minResizeInterval)) s ago, "
            + "\(snapshot.jobs.filter { !$0.preemptible }.count) non-preemptible, "
            + "\(snapshot.jobs.filter { $0.priority > 0 }.count) priority>0, JSON \(bytes) bytes")
        for policy in Allocator.policyNames where w == .small || ["tide", "elastic-tiresias"].contains(policy) {
            let decision = try Allocator.allocate(try w.generator.warmSnapshot(policy: policy))
            let gpus = decision.allocations.values.reduce(0) { $0 + $1.placement.reduce(0) { $0 + $1.gpus.count } }
            print("  \(policy.padding(toLength: 17, withPad: " ", startingAt: 0)) allocated \(decision.allocations.count) "
                + "on \(gpus) GPUs, pending \(decision.pending.count), moves \(decision.moves.count)")
        }
    }

case "dump":
    guard arguments.count == 3 else { fail("usage: tide-bench dump WORKLOAD POLICY") }
    let snapshot = try workload(arguments[1]).generator.warmSnapshot(policy: arguments[2])
    FileHandle.standardOutput.write(try AllocationCoding.encode(snapshot))

case "time":
    let budget = arguments.count > 1 ? Double(arguments[1]) ?? 2 : 2
    let main = ["tide", "elastic-tiresias"]
    var cases: [(String, Workload, String)] = []
    for w in Workload.allCases { for p in main { cases.append(("allocate", w, p)) } }
    for p in Allocator.policyNames where !main.contains(p) { cases.append(("allocate", .small, p)) }
    for w in Workload.allCases { for p in main { cases.append(("json", w, p)) } }
    // Optional filters: `time SECONDS KIND [POLICY [WORKLOAD]]`, to time one case on a busy machine.
    let filters = Array(arguments.dropFirst(2))
    cases = cases.filter { kind, w, policy in
        zip(filters, [kind, policy, w.rawValue]).allSatisfy { $0 == $1 }
    }
    print("kind      policy            workload   samples  median ms     p99 ms     min ms")
    for (kind, w, policy) in cases {
        let snapshot = try w.generator.warmSnapshot(policy: policy)
        let bytes = try AllocationCoding.encode(snapshot)
        let samples: [Double]
        if kind == "allocate" {
            samples = try measure(budget: budget) { _ = try Allocator.allocate(snapshot) }
        } else {
            samples = try measure(budget: budget) {
                _ = try AllocationCoding.encode(try Allocator.allocate(try AllocationCoding.decodeSnapshot(bytes)))
            }
        }
        print("\(kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(policy.padding(toLength: 17, withPad: " ", startingAt: 0)) "
            + "\(w.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(format: "%8d", samples.count)) "
            + "\(formatMs(percentile(samples, 50))) \(formatMs(percentile(samples, 99))) \(formatMs(samples[0]))")
    }

case "loop":
    // For profilers: allocate (or, with "json", decode/allocate/encode) N times.
    guard arguments.count >= 4, let n = Int(arguments[3]) else { fail("usage: tide-bench loop WORKLOAD POLICY N [json]") }
    let snapshot = try workload(arguments[1]).generator.warmSnapshot(policy: arguments[2])
    let bytes = try AllocationCoding.encode(snapshot)
    let json = arguments.count > 4 && arguments[4] == "json"
    var total = 0
    for _ in 0..<n {
        if json {
            total += try AllocationCoding.encode(try Allocator.allocate(try AllocationCoding.decodeSnapshot(bytes))).count
        } else {
            total += try Allocator.allocate(snapshot).allocations.count
        }
    }
    print(total)

case "exec":
    guard arguments.count >= 4, let runs = Int(arguments[3]), runs > 0 else {
        fail("usage: tide-bench exec BINARY FILE RUNS [LABEL [WORKLOAD]]")
    }
    let label = arguments.count > 4 ? arguments[4] : "cmd allocate"
    let caseName = arguments.count > 5 ? arguments[5] : URL(fileURLWithPath: arguments[2]).lastPathComponent
    let clock = ContinuousClock()
    var samples: [Double] = []
    for run in 0..<(runs + 1) {
        guard let input = FileHandle(forReadingAtPath: arguments[2]) else { fail("cannot read \(arguments[2])") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[1])
        process.arguments = ["allocate"]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        let t0 = clock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = seconds(clock.now - t0)
        try input.close()
        guard process.terminationStatus == 0 else { fail("\(arguments[1]) allocate exited \(process.terminationStatus)") }
        if run > 0 { samples.append(elapsed) }  // the first run warms the page cache
    }
    samples.sort()
    print("process   \(label.padding(toLength: 17, withPad: " ", startingAt: 0)) \(caseName.padding(toLength: 9, withPad: " ", startingAt: 0)) "
        + "\(String(format: "%8d", samples.count)) \(formatMs(percentile(samples, 50))) \(formatMs(percentile(samples, 99))) \(formatMs(samples[0]))")

default:
    fail("usage: tide-bench describe | dump WORKLOAD POLICY | time [SECONDS] | exec BINARY FILE RUNS")
}
