/// Reads Microsoft's Philly trace as reduced by the Pollux artifact
/// (`timestamp,duration,num_gpus,gpu_time,cluster`) and maps each row to the
/// pinned job model, as `shared/traces/README.md` says: by `gpu_time`, under
/// 1 h → `cifar10`, under 10 h → `deepspeech2`, under 100 h → `yolov3`,
/// otherwise `imagenet`; that application's curve, its last value repeated;
/// minimum 1 worker, maximum 2 × `num_gpus` capped at 64; `work` =
/// `duration` × speedup(`num_gpus`); rigid width `num_gpus` (at most 64).
public enum PhillyTraceReader {
    /// Which rows to take: `count` consecutive rows in timestamp order from row `start`.
    public struct Sample: Sendable {
        public var start: Int
        public var count: Int?
        public var skipBadRows: Bool

        public init(start: Int = 0, count: Int? = nil, skipBadRows: Bool = false) {
            self.start = start
            self.count = count
            self.skipBadRows = skipBadRows
        }
    }

    /// The jobs and, when bad rows were skipped, how many and the first reason.
    public struct Result: Sendable {
        public var jobs: [SimulatedJob]
        public var skipped: Int
        public var firstSkipReason: String?
    }

    public static func parse(
        _ text: String, file: String, curves: [String: [Double]], sample: Sample = Sample()
    ) throws -> Result {
        var rows: [(time: Double, line: Int, duration: Double, gpus: Int, gpuTime: Double)] = []
        var skipped = 0
        var firstSkip: String?
        // "\r\n" is one Character, so split on newlines, not on "\n".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let header = lines.first, header.hasPrefix("timestamp,duration,num_gpus,gpu_time") else {
            throw TraceError(file: file, line: 1, field: "header", "expected 'timestamp,duration,num_gpus,gpu_time,cluster'")
        }
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            do {
                rows.append(try parseRow(line, number: offset + 1, file: file))
            } catch let error as TraceError where sample.skipBadRows {
                skipped += 1
                if firstSkip == nil { firstSkip = error.description }
            }
        }
        rows.sort { ($0.time, $0.line) < ($1.time, $1.line) }
        guard sample.start >= 0, sample.start < max(rows.count, 1), sample.count.map({ $0 >= 0 }) ?? true else {
            throw TraceError(file: file, line: 0, field: "start", "row \(sample.start) is past the trace's \(rows.count) rows")
        }
        let end = sample.start + min(rows.count - sample.start, sample.count ?? rows.count)
        let chosen = rows[sample.start..<end]
        let origin = chosen.first?.time ?? 0
        let jobs = try chosen.map { row -> SimulatedJob in
            let application = applicationName(gpuTime: row.gpuTime)
            guard let curve = curves[application], !curve.isEmpty else {
                throw TraceError(file: file, line: row.line, field: "gpu_time", "no speedup curve for '\(application)'")
            }
            let width = min(row.gpus, 64)
            let job = SimulatedJob(
                name: "philly-\(row.line)", arrival: row.time - origin, application: application, work: 0,
                speedupCurve: curve, maxWorkers: min(2 * row.gpus, 64), requestedWorkers: width)
            var mapped = job
            mapped.work = row.duration * job.speedup(width)
            return mapped
        }
        return Result(jobs: jobs, skipped: skipped, firstSkipReason: firstSkip)
    }

    /// The application a row is mapped to, by its GPU time.
    public static func applicationName(gpuTime: Double) -> String {
        switch gpuTime {
        case ..<3_600: "cifar10"
        case ..<36_000: "deepspeech2"
        case ..<360_000: "yolov3"
        default: "imagenet"
        }
    }

    /// Reads `speedup-curves.csv` (`application,batch_size,workers,speedup`).
    public static func parseCurves(_ text: String, file: String) throws -> [String: [Double]] {
        var points: [String: [(Int, Double)]] = [:]
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        where offset > 0 && !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let workers = Int(fields[2]), let value = Double(fields[3]), workers >= 1, value > 0
            else {
                throw TraceError(file: file, line: offset + 1, field: "row", "expected application,batch_size,workers,speedup")
            }
            points[fields[0], default: []].append((workers, value))
        }
        // A curve is indexed by width, so a missing or repeated width would shift every later point.
        for (application, curve) in points.sorted(by: { $0.key < $1.key }) {
            let widths = curve.map(\.0).sorted()
            guard widths == Array(1...widths.count) else {
                throw TraceError(
                    file: file, line: 0, field: "workers",
                    "the curve of '\(application)' must list widths 1...n once each, got \(widths)")
            }
        }
        return points.mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
    }

    private static func parseRow(
        _ line: Substring, number: Int, file: String
    ) throws -> (time: Double, line: Int, duration: Double, gpus: Int, gpuTime: Double) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        func fail(_ field: String, _ message: String) -> TraceError {
            TraceError(file: file, line: number, field: field, message)
        }
        guard fields.count >= 4 else { throw fail("row", "expected 5 fields, got \(fields.count)") }
        guard let time = parseTimestamp(fields[0]) else {
            throw fail("timestamp", "expected YYYY-MM-DD HH:MM:SS, got '\(fields[0])'")
        }
        guard let duration = Double(fields[1]), duration.isFinite, duration > 0, duration <= JobTableReader.longestSeconds else {
            throw fail("duration", "must be a positive number of seconds up to \(Int(JobTableReader.longestSeconds)), got '\(fields[1])'")
        }
        guard let gpus = Int(fields[2]), gpus >= 1, gpus <= JobTableReader.mostWorkers else {
            throw fail("num_gpus", "must be a whole number from 1 to \(JobTableReader.mostWorkers), got '\(fields[2])'")
        }
        guard let gpuTime = Double(fields[3]), gpuTime.isFinite, gpuTime >= 0 else {
            throw fail("gpu_time", "must be a non-negative number, got '\(fields[3])'")
        }
        return (time, number, duration, gpus, gpuTime)
    }

    /// Seconds since 1970 of a UTC `YYYY-MM-DD HH:MM:SS`, years 1970 to 9999,
    /// days that exist in their month.
    static func parseTimestamp(_ text: Substring) -> Double? {
        let pieces = text.split(separator: " ")
        guard pieces.count == 2 else { return nil }
        let date = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
        let clock = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
        let parts = (date + clock).compactMap { piece in piece.allSatisfy(\.isASCII) ? Int(piece) : nil }
        guard date.count == 3, clock.count == 3, parts.count == 6, (1970...9999).contains(parts[0]), (1...12).contains(parts[1]),
            (1...daysIn(month: parts[1], year: parts[0])).contains(parts[2]), (0..<24).contains(parts[3]),
            (0..<60).contains(parts[4]), (0..<61).contains(parts[5])
        else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let year = parts[1] <= 2 ? parts[0] - 1 : parts[0]
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let month = parts[1]
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + parts[2] - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + parts[3] * 3_600 + parts[4] * 60 + parts[5])
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
