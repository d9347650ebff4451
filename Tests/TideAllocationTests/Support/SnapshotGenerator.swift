import PropertyBased
import TideAllocation

/// Random VALID allocation snapshots for property tests.
///
/// The generator draws a "genome" of small integers with the library's own
/// generators (so each one shrinks toward its simplest value: fewer nodes and
/// jobs, all GPUs available, one GPU per worker, priority 0, preemptible, not
/// running, linear speedups without holes, ...) and `SnapshotGenes.snapshot`
/// interprets it deterministically as a snapshot that is valid by
/// construction. Shrinking a gene therefore always yields another valid
/// snapshot.
enum SnapshotGenerator {
    /// The fixed clock of generated snapshots.
    static let now = 10_000.0

    struct NodeGene: Sendable, Equatable {
        var gpus: Int            // 1...8
        var unavailable: UInt8   // bit i set: GPU i is not available (shrinks toward all available)
    }

    struct JobGene: Sendable, Equatable {
        var minWorkers: Int      // 1...4
        var requestedExtra: Int  // 0...3: requested = min + extra
        var maxExtra: Int        // 0...5: max = requested + extra
        var gpwCode: Int         // 0...9: 0...6 -> 1 GPU per worker, 7...9 -> 2...4
        var priority: Int        // 0...2
        var nonPreemptible: Bool // mostly false
        var runCode: Int         // 0...8: 0...3 not running; 4... running at min + (code - 4), capped at max
        var spread: Int          // 0...2: how the running placement is laid out
        var offset: Int          // 0...7: first node tried for the running placement
        var timeCode: Int        // 0...4: start/resize times (see `times`)
        var attainedCode: Int    // 0...100: attainedGpuSeconds = code * 800 (72 -> 57,600 exactly)
        var runningCode: Int     // 0...200: runningSeconds = code * 100
        var waitingCode: Int     // 0...200: waitingSeconds = code * 100
        var speedupKind: Int     // 0...3: 0 -> empty table; otherwise a table from `deltas`
        var deltas: [Int]        // 0...14 each: step w-1 -> w adds 1.0 - code/10 (11... dips)
        var holes: UInt8         // bit w-1 set: width w left out of the table
        var measured: UInt8      // bit w-1 set: width w listed in measuredWorkers (if in the table)
        var remainingCode: Int?  // 0...200: remainingSeconds = code * 100
        var tiresiasCode: Int    // 0...4: previous round's policyState
        var submitCode: Int      // 0...40: submitTime = code * 50 (ties happen)
        var restartCode: Int     // 0...4: restartSeconds = code * 15
        var live: Bool
    }

    struct SnapshotGenes: Sendable, Equatable {
        var nodes: [NodeGene]
        var jobs: [JobGene]
        var intervalCode: Int    // 0...3: minResizeInterval 60, 0, 300, 30
        var optionsCode: Int     // 0...2: default / Voda's 3,600 with knob 8 / 3,600 without knob
    }

    static var node: Generator<NodeGene, some SendableSequenceType> {
        zip(Gen.int(in: 1...8), Gen<UInt8>.bitSet).map { NodeGene(gpus: $0, unavailable: $1) }
    }

    static var job: Generator<JobGene, some SendableSequenceType> {
        let first = zip(
            Gen.int(in: 1...4), Gen.int(in: 0...3), Gen.int(in: 0...5), Gen.int(in: 0...9), Gen.int(in: 0...2),
            Gen.bool(0.15), Gen.int(in: 0...8), Gen.int(in: 0...2), Gen.int(in: 0...7), Gen.int(in: 0...4))
        let second = zip(
            Gen.int(in: 0...100), Gen.int(in: 0...200), Gen.int(in: 0...200), Gen.int(in: 0...3),
            Gen.int(in: 0...14).array(of: 7), Gen<UInt8>.bitSet, Gen<UInt8>.bitSet,
            Gen.int(in: 0...200).optional(valueRate: 0.7), Gen.int(in: 0...4), Gen.int(in: 0...40))
        let third = zip(Gen.int(in: 0...4), Gen.bool(0.2))
        return zip(first, second, third).map { a, b, c in
            JobGene(
                minWorkers: a.0, requestedExtra: a.1, maxExtra: a.2, gpwCode: a.3, priority: a.4,
                nonPreemptible: a.5, runCode: a.6, spread: a.7, offset: a.8, timeCode: a.9,
                attainedCode: b.0, runningCode: b.1, waitingCode: b.2, speedupKind: b.3, deltas: b.4,
                holes: b.5, measured: b.6, remainingCode: b.7, tiresiasCode: b.8, submitCode: b.9,
                restartCode: c.0, live: c.1)
        }
    }

    static var genes: Generator<SnapshotGenes, some SendableSequenceType> {
        zip(node.array(of: 1...8), job.array(of: 0...24), Gen.int(in: 0...3), Gen.int(in: 0...2)).map {
            SnapshotGenes(nodes: $0, jobs: $1, intervalCode: $2, optionsCode: $3)
        }
    }

    /// Valid snapshots for `policy`.
    static func snapshots(policy: String) -> Generator<AllocationSnapshot, some SendableSequenceType> {
        genes.map { $0.snapshot(policy: policy) }
    }
}

extension SnapshotGenerator.SnapshotGenes {
    /// Interprets the genes as a valid snapshot.
    func snapshot(policy: String) -> AllocationSnapshot {
        let now = SnapshotGenerator.now
        let interval = [60.0, 0, 300, 30][intervalCode]
        let options: PolicyOptions =
            switch optionsCode {
            case 1: PolicyOptions(tiresiasDemoteGpuSeconds: 3_600, tiresiasPromoteKnob: 8)
            case 2: PolicyOptions(tiresiasDemoteGpuSeconds: 3_600)
            default: PolicyOptions()
            }
        let nodeSnapshots = nodes.enumerated().map { index, gene in
            NodeSnapshot(
                name: "n\(index)", gpus: gene.gpus,
                availableGpus: (0..<gene.gpus).filter { gene.unavailable & (1 << UInt8($0)) == 0 })
        }
        // Free GPUs per node, for the running jobs' placements.
        var free = nodeSnapshots.map(\.availableGpus)
        var jobSnapshots: [JobSnapshot] = []
        for (index, gene) in jobs.enumerated() {
            let minWorkers = gene.minWorkers
            let requested = minWorkers + gene.requestedExtra
            let maxWorkers = requested + gene.maxExtra
            let gpw = gene.gpwCode <= 6 ? 1 : gene.gpwCode - 5
            var placement: [NodeGPUs] = []
            if gene.runCode >= 4 {
                let wanted = min(minWorkers + gene.runCode - 4, maxWorkers)
                let attempt = Self.place(workers: wanted, gpw: gpw, gene: gene, free: &free)
                if attempt.workers >= minWorkers {
                    placement = attempt.placement
                } else {
                    // Give the GPUs back: this job is not running.
                    for group in attempt.placement {
                        let node = Int(group.node.dropFirst())!
                        free[node] = (free[node] + group.gpus).sorted()
                    }
                }
            }
            let running = !placement.isEmpty
            let (firstStart, lastResize) = Self.times(gene.timeCode, running: running, now: now, interval: interval)
            let attained = Double(gene.attainedCode * 800)
            let submit = Double(gene.submitCode * 50)
            let (speedup, measured) = Self.speedup(gene, maxWorkers: maxWorkers)
            let state: JSONValue =
                switch gene.tiresiasCode {
                case 1:
                    .object(["queue": .number(0), "enteredAt": .number(submit), "attainedAtEntry": .number(0)])
                case 2:
                    .object([
                        "queue": .number(1), "enteredAt": .number(submit + 100),
                        "attainedAtEntry": .number(min(attained, 57_600)),
                    ])
                case 3: .object(["opaque": .string("kept by the scheduler"), "n": .array([.number(1), .null])])
                // `tide`'s mark on a job it stopped, which any policy may be handed.
                case 4: .object(["madeWay": .bool(true)])
                default: .emptyObject
                }
            jobSnapshots.append(
                JobSnapshot(
                    name: "j\(index)", minWorkers: minWorkers, maxWorkers: maxWorkers, requestedWorkers: requested,
                    gpusPerWorker: gpw, priority: gene.priority, preemptible: !gene.nonPreemptible,
                    resize: gene.live ? .live : .restart, submitTime: submit, firstStartTime: firstStart,
                    lastResizeTime: lastResize, attainedGpuSeconds: attained,
                    runningSeconds: Double(gene.runningCode * 100), waitingSeconds: Double(gene.waitingCode * 100),
                    restartSeconds: Double(gene.restartCode * 15), placement: placement, speedup: speedup,
                    measuredWorkers: measured, remainingSeconds: gene.remainingCode.map { Double($0 * 100) },
                    policyState: state))
        }
        return AllocationSnapshot(
            policy: policy, now: now, minResizeInterval: interval, nodes: nodeSnapshots, jobs: jobSnapshots,
            options: options)
    }

    /// Start and resize times. Running: 0 old start, 1 old resize, 2 resized 10 s ago,
    /// 3 started 20 s ago, 4 resized exactly `interval` ago (not recent). Not running:
    /// 0...1 never started, else started long ago.
    static func times(_ code: Int, running: Bool, now: Double, interval: Double) -> (Double?, Double?) {
        guard running else { return code <= 1 ? (nil, nil) : (now - 6_000, now - 4_000) }
        switch code {
        case 1: return (now - 5_000, now - 3_000)
        case 2: return (now - 5_000, now - 10)
        case 3: return (now - 20, nil)
        case 4: return (now - 5_000, now - interval)
        default: return (now - 5_000, nil)
        }
    }

    /// A speedup table up to `maxWorkers` (at most 8), with dips and holes as the genes say.
    static func speedup(_ gene: SnapshotGenerator.JobGene, maxWorkers: Int) -> ([String: Double], [Int]) {
        guard gene.speedupKind > 0 else { return ([:], []) }
        var value = 1.0
        var table: [String: Double] = [:]
        var measured: [Int] = []
        for width in 1...min(maxWorkers, 8) {
            if width > 1 {
                value = max(0.05, value + 1.0 - Double(gene.deltas[width - 2]) / 10)
                value = (value * 100).rounded() / 100
            }
            let bit = UInt8(1) << UInt8(width - 1)
            if gene.holes & bit != 0 { continue }
            table["\(width)"] = value
            if gene.measured & bit != 0 { measured.append(width) }
        }
        return (table, measured)
    }

    /// Lays out `workers` whole workers on free GPUs; returns what fit.
    static func place(
        workers: Int, gpw: Int, gene: SnapshotGenerator.JobGene, free: inout [[Int]]
    ) -> (workers: Int, placement: [NodeGPUs]) {
        let count = free.count
        let start = gene.offset % count
        var held: [Int: [Int]] = [:]
        var placed = 0
        func takeOne(on node: Int) {
            let gpus = gene.offset % 2 == 0 ? Array(free[node].prefix(gpw)) : Array(free[node].suffix(gpw))
            free[node].removeAll { gpus.contains($0) }
            held[node, default: []].append(contentsOf: gpus)
            placed += 1
        }
        if gene.spread == 1 {
            // One worker per node in turn.
            var progress = true
            while placed < workers && progress {
                progress = false
                for step in 0..<count where placed < workers {
                    let node = (start + step) % count
                    if free[node].count >= gpw {
                        takeOne(on: node)
                        progress = true
                    }
                }
            }
        } else {
            // Fill nodes one after another (from `start`, or backwards).
            for step in 0..<count where placed < workers {
                let node = gene.spread == 0 ? (start + step) % count : (start - step + count) % count
                while placed < workers && free[node].count >= gpw { takeOne(on: node) }
            }
        }
        let placement = held.keys.sorted().map { NodeGPUs(node: "n\($0)", gpus: held[$0]!.sorted()) }
        return (placed, placement)
    }
}
