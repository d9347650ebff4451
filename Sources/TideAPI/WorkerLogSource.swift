import Foundation

/// Where `GET /v1/jobs/{name}/logs` reads a worker's output: the local
/// backend's files, or the worker pods' logs on Kubernetes.
public protocol WorkerLogSource: Sendable {
    /// The latest run of `job` that has output for worker `index`, or nil.
    func latestRun(job: String, worker index: Int) async throws -> Int?
    /// The output of that worker in `run` from byte `offset` on (empty when there is no more yet).
    func output(job: String, worker index: Int, run: Int, from offset: UInt64) async throws -> Data
}

extension WorkerLogFiles: WorkerLogSource {
    public func latestRun(job: String, worker index: Int) async throws -> Int? {
        latest(job: job, worker: index)?.run
    }

    public func output(job: String, worker index: Int, run: Int, from offset: UInt64) async throws -> Data {
        guard let handle = try? FileHandle(forReadingFrom: file(job: job, run: run, worker: index)) else { return Data() }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return (try? handle.readToEnd()) ?? Data()
    }
}
