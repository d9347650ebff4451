import Foundation

/// The local backend's worker records of a stack, read as a user auditing it would:
/// when each worker of each run started and ended.
struct RunHistory {
    struct Interval {
        var job: String
        var run: Int
        var start: Double
        var end: Double
    }

    let intervals: [Interval]

    init(directory: URL) {
        let workers = directory.appendingPathComponent("workers/workers")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: workers.path)) ?? []
        var found: [Interval] = []
        for entry in entries {
            let parts = entry.split(separator: ".")
            guard parts.count >= 3, let run = Int(parts[parts.count - 2]) else { continue }
            let job = parts.dropLast(2).joined(separator: ".")
            let folder = workers.appendingPathComponent(entry)
            func number(_ file: String, _ key: String) -> Double? {
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { return nil }
                return object[key] as? Double
            }
            guard let start = number("started.json", "startedAt") else { continue }
            found.append(Interval(job: job, run: run, start: start, end: number("exit.json", "endedAt") ?? .infinity))
        }
        intervals = found
    }

    /// Pairs of workers of one job from different runs that were alive at the same time.
    var overlappingRuns: [(Interval, Interval)] {
        var overlaps: [(Interval, Interval)] = []
        let byJob = Dictionary(grouping: intervals, by: \.job)
        for (_, workers) in byJob {
            for a in workers {
                for b in workers where a.run < b.run && a.start < b.end && b.start < a.end {
                    overlaps.append((a, b))
                }
            }
        }
        return overlaps
    }
}
