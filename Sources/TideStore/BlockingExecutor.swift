import Dispatch
import Foundation
import Synchronization

/// A few dedicated threads for libmongoc's blocking calls.
///
/// Swift's cooperative pool has one thread per core (two here); a call that
/// waits on the network there stalls every task. Jobs queue under a mutex
/// and a semaphore wakes one worker per job; callers await a continuation.
final class BlockingExecutor: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var closed = false
        var running: Int
        var onStopped: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>
    private let wakeUp = DispatchSemaphore(value: 0)
    let threadCount: Int

    init(threads: Int, name: String) {
        threadCount = max(1, threads)
        state = Mutex(State(running: threadCount))
        for index in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on a worker thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = state.withLock { state in
                guard !state.closed else { return false }
                state.jobs.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted {
                wakeUp.signal()
            } else {
                continuation.resume(throwing: StoreError.closed)
            }
        }
    }

    /// Refuses new jobs, lets the queued ones finish, then runs `finally` on the last worker and returns.
    func shutdown(finally: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first = state.withLock { state in
                guard !state.closed else { return false }
                state.closed = true
                state.onStopped = {
                    finally()
                    continuation.resume()
                }
                return true
            }
            guard first else {
                continuation.resume()
                return
            }
            for _ in 0..<threadCount { wakeUp.signal() }
        }
    }

    /// Blocks process signals (SIGTERM, SIGINT, SIGCHLD...) on the calling thread.
    ///
    /// A service handles those through dispatch signal sources; a worker
    /// parked in a libmongoc call should never be the thread the kernel picks
    /// to deliver them to. Threads libmongoc starts from these workers inherit the mask.
    static func blockAsynchronousSignals() {
        var signals = sigset_t()
        sigfillset(&signals)
        // Faults must still reach their handlers (and crash the process as usual).
        for fault in [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT] { sigdelset(&signals, fault) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    private func work() {
        Self.blockAsynchronousSignals()
        while true {
            wakeUp.wait()
            let next: (@Sendable () -> Void)? = state.withLock { state in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                // Compact now and then so the queue does not grow forever.
                if state.head > 64, state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            if let next {
                next()
                continue
            }
            // Woken with nothing queued: only shutdown does that.
            let stopped: (@Sendable () -> Void)?? = state.withLock { state in
                guard state.closed else { return .none }
                state.running -= 1
                return .some(state.running == 0 ? state.onStopped : nil)
            }
            if case .some(let last) = stopped {
                last?()
                return
            }
        }
    }
}
