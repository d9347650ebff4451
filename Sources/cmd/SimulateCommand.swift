import ArgumentParser
import Foundation
import TideAllocation
import TideSimulation

/// `cmd simulate`: policies side by side on a trace, in simulated time.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a trace under one or more allocation policies.",
        discussion: """
            The job model is pinned by shared/traces/README.md: rounds every 60 s and on every arrival \
            and completion, 30 s of lost progress per change of a job's workers or placement.
            Traces: Pollux job tables (.jsonl), the Philly CSV, or a synthetic one (--jobs N --seed S).
            """)

    @Option(help: "A trace: a .jsonl job table or the Philly CSV.")
    var trace: String?

    @Option(help: "Generate a synthetic trace of this many jobs instead.")
    var jobs: Int?

    @Option(help: "Seed of the synthetic trace.")
    var seed: UInt64 = 1

    @Option(help: "Write the synthetic trace to this .jsonl file and stop.")
    var writeTrace: String?

    @Option(help: "A policy, a comma-separated list, or 'all'.")
    var policy = "tide"

    @Option(help: "GPUs in the cluster.")
    var gpus = 64

    @Option(help: "GPUs per node.")
    var gpusPerNode = 4

    @Option(help: "Take this many jobs (Philly: consecutive rows in time order).")
    var sample: Int?

    @Option(help: "The first row of the sample, in time order.")
    var start = 0

    @Flag(help: "Skip malformed trace rows instead of stopping at the first.")
    var skipBadRows = false

    @Option(help: "Speedup curves for the Philly mapping (default: pollux/speedup-curves.csv beside the trace).")
    var speedupCurves: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "With --json, include every job's outcome.")
    var perJob = false

    @Option(help: "Draw each policy's JCT distribution to this SVG file.")
    var plot: String?

    func validate() throws {
        if trace == nil && jobs == nil { throw ValidationError("give --trace FILE or --jobs N") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let sample, sample < 1 { throw ValidationError("--sample must be at least 1, got \(sample)") }
        if start < 0 { throw ValidationError("--start must not be negative, got \(start)") }
        if policy.isEmpty { throw ValidationError("--policy must name a policy, a comma-separated list, or all") }
        if gpus < 1 || gpusPerNode < 1 || gpus % gpusPerNode != 0 {
            throw ValidationError("--gpus must be a positive multiple of --gpus-per-node (\(gpusPerNode))")
        }
        _ = try policies()
    }

    func policies() throws -> [String] {
        let names = policy == "all" ? Allocator.policyNames : policy.split(separator: ",").map(String.init)
        for name in names where Allocator.policies[name] == nil {
            throw ValidationError("unknown policy '\(name)'; one of \(Allocator.policyNames.joined(separator: ", ")), or all")
        }
        return names
    }

    func run() async throws {
        let workload: [SimulatedJob]
        var label: String
        if let trace {
            do {
                let loaded = try TraceLoader.load(
                    path: trace, sample: .init(start: start, count: sample, skipBadRows: skipBadRows),
                    curvesPath: speedupCurves)
                loaded.notes.forEach { FileHandle.standardError.write(Data("note: \($0)\n".utf8)) }
                workload = loaded.jobs
                if workload.isEmpty {
                    throw TraceError(file: trace, line: 0, field: "jobs", "no jobs to simulate (rows from \(start), \(sample.map(String.init) ?? "all"))")
                }
            } catch let error as TraceError {
                // A bad trace is bad input, like a bad snapshot for `allocate`; no usage text.
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            label = URL(fileURLWithPath: trace).lastPathComponent
        } else {
            workload = SyntheticTrace(jobs: jobs!, seed: seed).generate()
            label = "synthetic, \(jobs!) jobs, seed \(seed)"
        }
        if let writeTrace {
            try JobTableReader.format(workload).write(toFile: writeTrace, atomically: true, encoding: .utf8)
            print("Wrote \(workload.count) jobs to \(writeTrace)")
            return
        }
        label += ", \(workload.count) jobs on \(gpus) GPUs"
        let results = try await simulate(workload, policies: try policies())
        if json {
            var trimmed = results
            if !perJob { for index in trimmed.indices { trimmed[index].jobs = [] } }
            print(String(decoding: try AllocationCoding.encode(trimmed, pretty: true), as: UTF8.self))
        } else {
            print(label)
            print(ResultTable.render(results), terminator: "")
        }
        if let plot {
            try JCTPlot.svg(results, title: "JCT distribution: \(label)").write(toFile: plot, atomically: true, encoding: .utf8)
        }
    }

    private func simulate(_ workload: [SimulatedJob], policies: [String]) async throws -> [SimulationResult] {
        let nodes = gpus / gpusPerNode, perNode = gpusPerNode
        return try await withThrowingTaskGroup(of: (Int, SimulationResult).self) { group in
            for (index, name) in policies.enumerated() {
                group.addTask {
                    let config = SimulationConfig(policy: name, nodes: nodes, gpusPerNode: perNode)
                    return (index, try ClusterSimulator.run(workload, config: config))
                }
            }
            var results: [(Int, SimulationResult)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
