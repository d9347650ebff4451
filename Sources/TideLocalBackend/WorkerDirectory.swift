import Foundation
import TideBackend

/// One worker's directory under `<data>/workers/`, named `<job>.<run>.<index>`.
///
/// What is in it, and who writes it:
/// - `launch.json`: the `WorkerLaunch`, by the backend before the shim starts;
///   a directory without it is no worker's.
/// - `lock`: flock'ed by the shim for its whole life (see `shimIsAlive`).
/// - `started.json`, `exit.json`: the shim's records (`StartedRecord`,
///   `ExitRecord`); the backend writes `exit.json` itself only for a shim
///   that died without writing it.
/// - `requested`: the time `stop` was called, written before the SIGTERM.
/// - `forgotten`: the scheduler acknowledged the exit (`LocalBackend.forget`).
/// - `worker.log`: the worker's standard output and error, kept after the end.
struct WorkerDirectory: Sendable {
    let url: URL

    init(workers: URL, id: WorkerID) {
        url = workers.appendingPathComponent("\(id.job).\(id.run).\(id.index)", isDirectory: true)
    }

    init(url: URL) { self.url = url }

    var launchFile: URL { url.appendingPathComponent("launch.json") }
    var lockFile: URL { url.appendingPathComponent("lock") }
    var startedFile: URL { url.appendingPathComponent("started.json") }
    var exitFile: URL { url.appendingPathComponent("exit.json") }
    var requestedFile: URL { url.appendingPathComponent("requested") }
    var forgottenFile: URL { url.appendingPathComponent("forgotten") }
    var logFile: URL { url.appendingPathComponent("worker.log") }

    var launch: WorkerLaunch? { read(WorkerLaunch.self, from: launchFile) }
    var started: StartedRecord? { read(StartedRecord.self, from: startedFile) }
    var exitRecord: ExitRecord? { read(ExitRecord.self, from: exitFile) }
    var isForgotten: Bool { FileManager.default.fileExists(atPath: forgottenFile.path) }

    /// When `stop` was called for this worker, if it was.
    var requestedAt: Double? {
        (try? String(contentsOf: requestedFile, encoding: .utf8)).flatMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The exit as the scheduler sees it: requested when `stop` came before the end.
    func exit(of id: WorkerID, _ record: ExitRecord) -> WorkerExit {
        let requested = requestedAt.map { $0 <= record.endedAt } ?? false
        return WorkerExit(id: id, status: record.status, requested: requested, endedAt: record.endedAt)
    }

    /// Whether a shim holds the lock. A shared, non-blocking probe: the kernel
    /// drops a flock when its holder dies, so neither a stale pid nor a reused
    /// one can fool it, after a scheduler restart as well.
    func shimIsAlive() -> Bool {
        let fd = open(lockFile.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// Takes the lock for a new shim: its descriptor, or nil when a live shim holds it.
    func lockForLaunch() throws -> Int32? {
        let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BackendError("cannot open \(lockFile.path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        close(fd)
        return nil
    }

    /// Writes `data` to `file` so that readers see all of it or nothing.
    func writeAtomically(_ data: Data, to file: URL) throws {
        do {
            try data.write(to: file, options: .atomic)
        } catch {
            throw BackendError("cannot write \(file.path): \(error.localizedDescription)")
        }
    }

    /// For a shim that died without writing `exit.json` (SIGKILL): kills what
    /// is left of its worker and records the exit as signal 9.
    func recordLostExit(of started: StartedRecord) -> ExitRecord {
        WorkerSignals.send(SIGKILL, to: started)
        let record = ExitRecord(
            workerPid: started.workerPid, endedAt: Date().timeIntervalSince1970, signaled: SIGKILL,
            note: "the shim ended without recording the exit; the backend killed what was left of the worker")
        if let data = try? JSONEncoder().encode(record) { try? writeAtomically(data, to: exitFile) }
        return record
    }

    /// Removes what a previous life of this worker left (for an id started again after `forget`).
    func clearRecords() {
        for file in [startedFile, exitFile, requestedFile, forgottenFile, launchFile] {
            try? FileManager.default.removeItem(at: file)
        }
    }

    private func read<T: Decodable>(_ type: T.Type, from file: URL) -> T? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }
}
