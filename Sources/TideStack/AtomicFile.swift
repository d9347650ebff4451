import Foundation

/// Whole-file writes that a reader never sees half done.
enum AtomicFile {
    static func write(_ data: Data, to file: URL, mode: Int = 0o644) throws {
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: mode]) else {
            throw StackError("cannot write \(temporary.path)")
        }
        guard rename(temporary.path, file.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw StackError("cannot write \(file.path): \(reason)")
        }
    }
}
