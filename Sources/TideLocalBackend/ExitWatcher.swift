import Foundation
import Logging
import Synchronization
import TideBackend

/// Watches the workers a backend started or adopted, on a thread of its own.
///
/// It polls each worker's directory (every `interval`, every 5 ms while a
/// launch or a stop is pending) instead of waiting for child processes: the
/// shims are not this process's children (they fork away from it), and a
/// backend that adopted them after a restart could not wait for them anyway;
/// the files are the one view both cases share. Polling reads a few small
/// files and probes a lock per worker, and it never blocks Swift's
/// cooperative pool: async callers wait on continuations this thread resumes.
final class ExitWatcher: Sendable {
    /// How a launch turned out, for `start` and `adopt`.
    enum LaunchOutcome: Sendable {
        case started(StartedRecord)
        case ended(WorkerExit)
        /// The shim ended without recording anything: the worker never ran.
        case shimFailed(String)
        case shutDown
    }

    private struct Stop {
        var killAt: ContinuousClock.Instant
        var terminated = false
        var killed = false
    }

    private struct Entry {
        let directory: WorkerDirectory
        /// The shim's first process, when this backend spawned it (reaped here).
        var spawned: pid_t?
        var spawnedStatus: Int32?
        var stop: Stop?
        var launchWaiters: [CheckedContinuation<LaunchOutcome, Never>] = []
        var goneWaiters: [CheckedContinuation<Void, Never>] = []

        var isBusy: Bool { !launchWaiters.isEmpty || stop.map { !$0.terminated } ?? false }
    }

    private struct State {
        var entries: [WorkerID: Entry] = [:]
        /// Exits delivered (through `exits` or by `adopt`) and not forgotten yet.
        var reported: Set<WorkerID> = []
        var running = true
    }

    /// What one look at a directory found.
    private enum Observation {
        case running(StartedRecord?)
        case ended(WorkerExit)
        case vanished(String)
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let continuation: AsyncStream<WorkerExit>.Continuation
    private let interval: DispatchTimeInterval
    private let logger: Logger

    init(continuation: AsyncStream<WorkerExit>.Continuation, interval: Duration, logger: Logger) {
        self.continuation = continuation
        let (seconds, attoseconds) = interval.components
        self.interval = .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "tide-local-backend-watcher"
        thread.start()
    }

    /// Watches the worker (if not already) and returns once its command was
    /// exec'd, it ended, or its shim died without starting it.
    func launchOutcome(_ id: WorkerID, in directory: WorkerDirectory, spawned: pid_t? = nil) async -> LaunchOutcome {
        await withCheckedContinuation { waiter in
            let accepted = state.withLock { state in
                guard state.running else { return false }
                var entry = state.entries[id] ?? Entry(directory: directory)
                if let spawned { entry.spawned = spawned }
                entry.launchWaiters.append(waiter)
                state.entries[id] = entry
                return true
            }
            if accepted { wake.signal() } else { waiter.resume(returning: .shutDown) }
        }
    }

    /// Watches the worker and stops it: SIGTERM to its group, SIGKILL once
    /// `grace` has passed; returns when it has ended.
    func stop(_ id: WorkerID, in directory: WorkerDirectory, grace: Duration) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let accepted = state.withLock { state in
                guard state.running else { return false }
                var entry = state.entries[id] ?? Entry(directory: directory)
                let killAt = ContinuousClock.now + grace
                entry.stop = entry.stop.map { Stop(killAt: min($0.killAt, killAt), terminated: $0.terminated, killed: $0.killed) }
                    ?? Stop(killAt: killAt)
                entry.goneWaiters.append(waiter)
                state.entries[id] = entry
                return true
            }
            if accepted { wake.signal() } else { waiter.resume() }
        }
    }

    /// Watches the worker from now on: its end comes through `exits`.
    func watch(_ id: WorkerID, in directory: WorkerDirectory) {
        let added = state.withLock { state in
            guard state.running, state.entries[id] == nil else { return false }
            state.entries[id] = Entry(directory: directory)
            return true
        }
        if added { wake.signal() }
    }

    func isWatched(_ id: WorkerID) -> Bool { state.withLock { $0.entries[id] != nil } }

    func isReported(_ id: WorkerID) -> Bool { state.withLock { $0.reported.contains(id) } }

    /// Notes an exit `adopt` returned, so `exits` does not deliver it as well.
    func markReported(_ id: WorkerID) { _ = state.withLock { $0.reported.insert(id) } }

    /// The scheduler recorded the exit: nothing of this worker is kept.
    func forget(_ id: WorkerID) { _ = state.withLock { $0.reported.remove(id) } }

    /// Ends the thread: pending waits return, `exits` finishes.
    func shutDown() {
        state.withLock { $0.running = false }
        wake.signal()
    }

    // MARK: The thread

    private func run() {
        while state.withLock({ $0.running }) {
            let busy = tick()
            _ = wake.wait(timeout: .now() + (busy ? .milliseconds(5) : interval))
        }
        let entries = state.withLock { state in
            defer { state.entries = [:] }
            return state.entries.values
        }
        for entry in entries {
            entry.launchWaiters.forEach { $0.resume(returning: .shutDown) }
            entry.goneWaiters.forEach { $0.resume() }
        }
        continuation.finish()
    }

    /// One look at every watched worker; true when a launch or stop is pending.
    private func tick() -> Bool {
        let entries = state.withLock { $0.entries }
        for (id, entry) in entries {
            var entry = entry
            let observation = observe(id, &entry)
            apply(observation, to: id, seen: entry)
        }
        return state.withLock { $0.entries.values.contains(where: \.isBusy) }
    }

    /// Reads the worker's directory and does what a pending stop asks. File
    /// reads and signals only: no lock held.
    private func observe(_ id: WorkerID, _ entry: inout Entry) -> Observation {
        let directory = entry.directory
        if let pid = entry.spawned, entry.spawnedStatus == nil {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { entry.spawnedStatus = status }
        }
        // The lock before the record: a shim writes its exit, then dies.
        let alive = directory.shimIsAlive()
        if let record = directory.exitRecord { return .ended(directory.exit(of: id, record)) }
        let started = directory.started
        if alive {
            if let started, var stop = entry.stop {
                if !stop.terminated {
                    WorkerSignals.send(SIGTERM, to: started)
                    stop.terminated = true
                }
                if !stop.killed, ContinuousClock.now >= stop.killAt {
                    logger.info("worker outlived its grace period; killing it", metadata: ["worker": "\(id)"])
                    WorkerSignals.send(SIGKILL, to: started)
                    stop.killed = true
                }
                entry.stop = stop
            }
            return .running(started)
        }
        guard let started else {
            let status = entry.spawnedStatus.map { " (its first process ended with wait status \($0))" } ?? ""
            return .vanished("the worker shim ended before starting the worker\(status); see \(directory.logFile.path)")
        }
        logger.warning("worker shim died without recording the exit; killing the worker", metadata: ["worker": "\(id)"])
        return .ended(directory.exit(of: id, directory.recordLostExit(of: started)))
    }

    /// Records what `observe` saw and resumes whoever waited for it.
    private func apply(_ observation: Observation, to id: WorkerID, seen: Entry) {
        var launchWaiters: [CheckedContinuation<LaunchOutcome, Never>] = []
        var goneWaiters: [CheckedContinuation<Void, Never>] = []
        var delivered: WorkerExit?
        var outcome: LaunchOutcome?
        state.withLock { state in
            guard var entry = state.entries[id] else { return }
            entry.spawnedStatus = seen.spawnedStatus
            if let done = seen.stop, entry.stop != nil {
                entry.stop?.terminated = done.terminated
                entry.stop?.killed = done.killed
            }
            switch observation {
            case .running(nil):
                state.entries[id] = entry
            case .running(let started?):
                outcome = .started(started)
                launchWaiters = entry.launchWaiters
                entry.launchWaiters = []
                state.entries[id] = entry
            case .ended(let exit):
                if state.reported.insert(id).inserted { delivered = exit }
                outcome = .ended(exit)
                (launchWaiters, goneWaiters) = (entry.launchWaiters, entry.goneWaiters)
                state.entries[id] = nil
            case .vanished(let reason):
                outcome = .shimFailed(reason)
                (launchWaiters, goneWaiters) = (entry.launchWaiters, entry.goneWaiters)
                state.entries[id] = nil
            }
        }
        // The exit is in the stream before `stop` returns.
        if let delivered {
            logger.info("worker ended", metadata: ["worker": "\(id)", "status": "\(delivered.status)"])
            continuation.yield(delivered)
        }
        if let outcome { launchWaiters.forEach { $0.resume(returning: outcome) } }
        goneWaiters.forEach { $0.resume() }
    }
}
