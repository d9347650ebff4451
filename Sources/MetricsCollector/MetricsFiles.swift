import Foundation

/// The `<job>.csv` files of a metrics directory, read on a thread of their own:
/// file reads block, and Swift's cooperative pool must not.
enum MetricsFiles {
    /// Each file's text by job name (the file name without `.csv`); unreadable files are left out.
    static func read(_ directory: URL) async throws -> [String: String] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    var files: [String: String] = [:]
                    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
                    where name.hasSuffix(".csv") && name.count > 4 {
                        let url = directory.appendingPathComponent(name)
                        if let text = try? String(contentsOf: url, encoding: .utf8) { files[String(name.dropLast(4))] = text }
                    }
                    return files
                })
            }.start()
        }
    }
}
