import TideBackend

/// Starting a run's workers together, within a time limit.
enum GangStart {
    enum Outcome: Sendable {
        case started
        case failed(WorkerID, any Error)
        /// Not every worker started in time; some may have.
        case timedOut
        /// The caller was cancelled (a leader that lost its term, a shutdown): the
        /// starts under way were cancelled too; some workers may have started.
        case cancelled
    }

    /// Starts every worker at once and returns when all have started, one
    /// failed, or `timeout` passed. After a time-out the calls under way are
    /// cancelled and given up to `settle` to return, so that stopping the run
    /// afterwards reaches every worker they started; a call that hangs past
    /// that is left behind rather than holding up the scheduler.
    static func start(
        _ launches: [WorkerLaunch], on backend: any ClusterBackend, within timeout: Duration, settle: Duration
    ) async -> Outcome {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let starting = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Children capture the array and an index, not a launch: Swift 6.3 aborts ("freed
                    // pointer was not the last allocation", swiftlang/swift#87481) on large captures.
                    for index in launches.indices {
                        group.addTask {
                            do {
                                try await backend.start(launches[index])
                            } catch {
                                throw FailedStart(worker: launches[index].id, error: error)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                continuation.yield(.finished(.started))
            } catch let failure as FailedStart {
                continuation.yield(.finished(.failed(failure.worker, failure.error)))
            } catch {
                continuation.yield(.finished(.timedOut))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            continuation.yield(.timeUp)
            try? await Task.sleep(for: settle)
            continuation.yield(.settleUp)
        }
        defer {
            timer.cancel()
            continuation.finish()
        }
        return await withTaskCancellationHandler {
            var timedOut = false
            for await event in events {
                switch event {
                case .finished(let outcome):
                    return Task.isCancelled ? .cancelled : timedOut ? .timedOut : outcome
                case .timeUp:
                    timedOut = true
                    starting.cancel()
                case .settleUp:
                    return Task.isCancelled ? .cancelled : .timedOut
                }
            }
            // The stream ends early only when the caller is cancelled.
            return .cancelled
        } onCancel: {
            starting.cancel()
        }
    }

    private enum Event: Sendable {
        case finished(Outcome)
        case timeUp
        case settleUp
    }

    private struct FailedStart: Error {
        let worker: WorkerID
        let error: any Error
    }
}
