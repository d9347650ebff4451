import TideBackend

/// Starting a run's workers together, within a time limit.
enum GangStart {
    enum Outcome: Sendable {
        case started
        case failed(WorkerID, any Error)
        /// Not every worker started in time; some may have.
        case timedOut
    }

    /// Starts every worker at once and returns when all have started, one
    /// failed, or `timeout` passed. A start still pending at the time-out is
    /// cancelled and not waited for: a hung backend call must not hold up
    /// the scheduler.
    static func start(_ launches: [WorkerLaunch], on backend: any ClusterBackend, within timeout: Duration) async -> Outcome {
        let (outcomes, continuation) = AsyncStream.makeStream(of: Outcome.self)
        let starting = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for launch in launches {
                        group.addTask {
                            do {
                                try await backend.start(launch)
                            } catch {
                                throw FailedStart(worker: launch.id, error: error)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                continuation.yield(.started)
            } catch let failure as FailedStart {
                continuation.yield(.failed(failure.worker, failure.error))
            } catch {
                continuation.yield(.timedOut)
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            continuation.yield(.timedOut)
        }
        var iterator = outcomes.makeAsyncIterator()
        let outcome = await iterator.next() ?? .timedOut
        timer.cancel()
        if case .timedOut = outcome { starting.cancel() }
        continuation.finish()
        return outcome
    }

    private struct FailedStart: Error {
        let worker: WorkerID
        let error: any Error
    }
}
