import Foundation

/// Where the local backend keeps workers' output: one directory per worker,
/// `<logsDirectory>/workers/<job>.<run>.<index>/worker.log`.
public struct WorkerLogFiles: Sendable {
    let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The log of `job`'s worker `index` in its latest run, and that run; nil if it never ran here.
    func latest(job: String, worker index: Int) -> (run: Int, file: URL)? {
        let workers = directory.appendingPathComponent("workers", isDirectory: true)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: workers.path) else { return nil }
        let prefix = job + "."
        let suffix = "." + String(index)
        var best: Int?
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) {
            let middle = entry.dropFirst(prefix.count).dropLast(suffix.count)
            // The job's own name may hold dots: the run is the part left between prefix and suffix.
            guard let run = Int(middle) else { continue }
            best = max(best ?? run, run)
        }
        return best.map { run in (run, file(job: job, run: run, worker: index)) }
    }

    func file(job: String, run: Int, worker index: Int) -> URL {
        directory.appendingPathComponent("workers", isDirectory: true)
            .appendingPathComponent("\(job).\(run).\(index)", isDirectory: true).appendingPathComponent("worker.log")
    }
}
