import TideBackend

/// What a worker's exit means for its job. Pure.
///
/// Following the worker contract: a job completes when its workers exit 0
/// without Tide having asked them to stop; an exit Tide caused is never a
/// completion and never a retry.
public enum ExitJudge {
    public enum Outcome: Sendable, Equatable {
        /// Not about the job's current run, or asked for: nothing to do.
        case ignore
        /// One worker done; others still run.
        case workerFinished
        /// Every worker of the run exited 0.
        case completed
        /// The run failed; it may run again after `backoffSeconds`.
        case retry(message: String, backoffSeconds: Double)
        /// The job failed for good.
        case failed(message: String)
        /// Out of memory with a `failback` given: the job moves to that GPU type.
        case failBack(message: String, accelerator: String)
        /// The node refused a worker: the run is stopped and placed again
        /// later, neither a failure nor a retry.
        case rollBack(message: String)
    }

    /// The outcome of `exit` for `job`. Retries wait 2, 4, 8... seconds (at most 5 minutes).
    public static func judge(_ exit: WorkerExit, job: ManagedJob) -> Outcome {
        let record = job.record
        guard exit.id.run == record.run, record.workers.contains(where: { $0.index == exit.id.index }),
            !exit.requested
        else { return .ignore }
        let worker = "worker \(exit.id.index)"
        switch exit.status {
        case .exited(0):
            let finished = Set(record.finishedWorkers + [exit.id.index])
            return record.workers.allSatisfy { finished.contains($0.index) } ? .completed : .workerFinished
        case .failedToStart(let reason):
            // It would fail the same way again.
            return .failed(message: "\(worker) could not start: \(reason)")
        case .refused(let reason):
            return .rollBack(message: "\(worker) was refused by its node: \(reason)")
        case .exited(let code) where (code == 137 || code == 3) && job.spec.failback != nil:
            // More GPU memory will not appear on this type: retry where the job said.
            return .failBack(
                message: "\(worker) exited with code \(code)\(hint(code))", accelerator: job.spec.failback!.accelerator)
        case .exited(let code):
            return failure("\(worker) exited with code \(code)\(hint(code))", job: job)
        case .signaled(let signal):
            return failure("\(worker) was killed by signal \(signal)", job: job)
        }
    }

    private static func failure(_ message: String, job: ManagedJob) -> Outcome {
        let retries = job.record.retries
        guard retries < job.spec.maxRetries else {
            return .failed(message: "\(message); no retries left (maxRetries \(job.spec.maxRetries))")
        }
        return .retry(
            message: "\(message); retry \(retries + 1) of \(job.spec.maxRetries)",
            backoffSeconds: backoffSeconds(afterFailures: retries + 1))
    }

    /// The wait before another try after `failures` failures in a row: 2, 4, 8... seconds, at most 5 minutes.
    static func backoffSeconds(afterFailures failures: Int) -> Double {
        min(2 * Double(1 << min(max(failures - 1, 0), 16)), 300)
    }

    private static func hint(_ code: Int32) -> String {
        switch code {
        case 137: " (killed: out of memory?)"
        case 3: " (out of device memory)"
        case 127: " (command not found)"
        default: ""
        }
    }
}
