import Foundation

/// Reads job tables in the `.jsonl` format of `shared/traces/pollux/jobs`
/// (also what the synthetic generator writes): one JSON object a line with
/// `name`, `time`, `application`, `batchSize`, `tunedWorkers`, `maxWorkers`,
/// `work` and `speedup` (speedup at 1…n workers).
public enum JobTableReader {
    struct Row: Codable {
        var name: String
        var time: Double
        var application: String
        var batchSize: Int?
        var tunedWorkers: Int
        var maxWorkers: Int
        var work: Double
        var speedup: [Double]
    }

    /// Parses `text`; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> [SimulatedJob] {
        var jobs: [SimulatedJob] = []
        var names = Set<String>()
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let number = offset + 1
            let row: Row
            do {
                row = try JSONDecoder().decode(Row.self, from: Data(trimmed.utf8))
            } catch let error as DecodingError {
                throw TraceError(file: file, line: number, field: Self.field(of: error), Self.reason(of: error))
            }
            func fail(_ field: String, _ message: String) -> TraceError {
                TraceError(file: file, line: number, field: field, message)
            }
            guard names.insert(row.name).inserted else { throw fail("name", "duplicate job name '\(row.name)'") }
            guard row.time.isFinite, row.time >= 0 else { throw fail("time", "must be a non-negative second") }
            guard row.work.isFinite, row.work > 0 else { throw fail("work", "must be positive, got \(row.work)") }
            guard row.maxWorkers >= 1 else { throw fail("maxWorkers", "must be at least 1") }
            guard (1...row.maxWorkers).contains(row.tunedWorkers) else {
                throw fail("tunedWorkers", "must lie in 1...\(row.maxWorkers), got \(row.tunedWorkers)")
            }
            guard !row.speedup.isEmpty, row.speedup.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw fail("speedup", "must be a non-empty list of positive numbers")
            }
            jobs.append(
                SimulatedJob(
                    name: row.name, arrival: row.time, application: row.application, work: row.work,
                    speedupCurve: row.speedup, maxWorkers: row.maxWorkers, requestedWorkers: row.tunedWorkers))
        }
        return jobs
    }

    /// Writes jobs in the same format, one object a line, keys sorted.
    public static func format(_ jobs: [SimulatedJob]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try jobs.map { job in
            let row = Row(
                name: job.name, time: job.arrival, application: job.application, batchSize: nil,
                tunedWorkers: job.requestedWorkers, maxWorkers: job.maxWorkers, work: job.work,
                speedup: job.speedupCurve)
            return String(decoding: try encoder.encode(row), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    private static func field(of error: DecodingError) -> String {
        let path: String
        switch error {
        case .keyNotFound(let key, _): return key.stringValue
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        @unknown default: path = ""
        }
        // Broken JSON has no field; the whole line is at fault.
        return path.isEmpty ? "line" : path
    }

    private static func reason(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound: "is required"
        case .typeMismatch(let type, _): "has the wrong type, expected \(type)"
        case .valueNotFound: "must not be null"
        case .dataCorrupted: "is not valid JSON"
        @unknown default: "\(error)"
        }
    }
}
