import Foundation

/// Reads a trace file by its kind: `.jsonl` job tables, or the Philly CSV
/// (whose speedup curves come from `pollux/speedup-curves.csv` beside it
/// unless another file is named).
public enum TraceLoader {
    public struct Loaded: Sendable {
        public var jobs: [SimulatedJob]
        /// Notes for the user, such as skipped rows.
        public var notes: [String]
    }

    public static func load(
        path: String, sample: PhillyTraceReader.Sample = .init(), curvesPath: String? = nil
    ) throws -> Loaded {
        let text = try read(path)
        if path.hasSuffix(".jsonl") {
            let jobs = try JobTableReader.parse(text, file: path)
            guard sample.start >= 0, sample.start < max(jobs.count, 1), sample.count.map({ $0 >= 0 }) ?? true else {
                throw TraceError(file: path, line: 0, field: "start", "row \(sample.start) is past the table's \(jobs.count) jobs")
            }
            return Loaded(jobs: Array(jobs.dropFirst(sample.start).prefix(sample.count ?? jobs.count)), notes: [])
        }
        if text.hasPrefix("timestamp,duration,num_gpus,gpu_time") {
            let curvesFile = curvesPath
                ?? URL(fileURLWithPath: path).deletingLastPathComponent()
                .appendingPathComponent("pollux/speedup-curves.csv").path
            let curves = try PhillyTraceReader.parseCurves(try read(curvesFile), file: curvesFile)
            let result = try PhillyTraceReader.parse(text, file: path, curves: curves, sample: sample)
            let notes = result.skipped > 0
                ? ["skipped \(result.skipped) bad rows; the first: \(result.firstSkipReason ?? "")"] : []
            return Loaded(jobs: result.jobs, notes: notes)
        }
        throw TraceError(
            file: path, line: 0, field: "format",
            "not a job table (.jsonl) or a Philly CSV (header timestamp,duration,num_gpus,gpu_time,cluster)")
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError(file: path, line: 0, field: "file", "cannot be read")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
