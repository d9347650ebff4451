import Foundation
import TideAllocation

/// Reads job tables in the `.jsonl` format of `shared/traces/pollux/jobs`
/// (also what the synthetic generator writes): one JSON object a line with
/// `name`, `time`, `application`, `batchSize`, `tunedWorkers`, `maxWorkers`,
/// `work` and `speedup` (speedup at 1…n workers).
public enum JobTableReader {
    /// The most workers a job may have (as the allocator accepts).
    public static let mostWorkers = SnapshotValidator.mostWorkers
    /// The longest a job's run (one-worker `work`, a Philly `duration`) or
    /// arrival may be, about three years: beyond, a trace is wrong, and a
    /// simulation would run for hours (rounds every 60 s) or lose the
    /// clock's precision.
    public static let longestSeconds = 100_000_000.0

    struct Row: Codable {
        var name: String
        var time: Double
        var application: String
        var batchSize: Int?
        var tunedWorkers: Int
        var maxWorkers: Int
        var work: Double
        var speedup: [Double]

        init(
            name: String, time: Double, application: String, batchSize: Int?, tunedWorkers: Int, maxWorkers: Int, work: Double,
            speedup: [Double]
        ) {
            (self.name, self.time, self.application, self.batchSize) = (name, time, application, batchSize)
            (self.tunedWorkers, self.maxWorkers, self.work, self.speedup) = (tunedWorkers, maxWorkers, work, speedup)
        }

        /// Whole numbers are read so that a fraction is named with its field.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            time = try c.decode(Double.self, forKey: .time)
            application = try c.decode(String.self, forKey: .application)
            batchSize = try c.decodeWholeIfPresent(.batchSize)
            tunedWorkers = try c.decodeWhole(.tunedWorkers)
            maxWorkers = try c.decodeWhole(.maxWorkers)
            work = try c.decode(Double.self, forKey: .work)
            speedup = try c.decode([Double].self, forKey: .speedup)
        }
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
            guard !row.name.isEmpty else { throw fail("name", "must not be empty") }
            guard names.insert(row.name).inserted else { throw fail("name", "duplicate job name '\(row.name)'") }
            guard row.time.isFinite, row.time >= 0, row.time <= longestSeconds else {
                throw fail("time", "must be a second from 0 to \(Int(longestSeconds)), got \(row.time)")
            }
            guard row.work.isFinite, row.work > 0, row.work <= longestSeconds else {
                throw fail("work", "must be positive, at most \(Int(longestSeconds)) one-worker seconds, got \(row.work)")
            }
            guard row.maxWorkers >= 1, row.maxWorkers <= mostWorkers else {
                throw fail("maxWorkers", "must be from 1 to \(mostWorkers), got \(row.maxWorkers)")
            }
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
        case .typeMismatch(let type, let context):
            context.debugDescription.hasPrefix("Expected") || context.debugDescription.isEmpty
                ? "has the wrong type, expected \(type)" : "has the wrong type, expected \(type) (\(context.debugDescription))"
        case .valueNotFound: "must not be null"
        case .dataCorrupted: "is not valid JSON"
        @unknown default: "\(error)"
        }
    }
}
