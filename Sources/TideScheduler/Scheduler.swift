import Foundation
import Logging
import TideAllocation
import TideBackend
import TideCore
import TideJobs

/// One GPU type's scheduler: holds its jobs and nodes, asks the allocator,
/// and applies each decision exactly through the backend.
///
/// Every change is written to MongoDB before it is made (the run and its
/// workers), so a scheduler that restarts adopts what it had started.
/// Rounds are not re-entered: `SchedulerService` runs one at a time, and
/// exits arriving meanwhile are handled between the round's awaits.
public actor Scheduler {
    public private(set) var settings: SchedulerSettings
    private let storage: any SchedulerStorage
    private let allocator: any AllocatorCalling
    private let backend: any ClusterBackend
    private let launches: WorkerLaunches
    private let announcer: any StatusAnnouncing
    private let clock: @Sendable () -> Double
    private let logger: Logger
    /// Asks the service for a round soon (after an exit, a retry backoff...).
    private let requestRound: @Sendable (_ after: Duration) -> Void

    private var jobs: [String: ManagedJob] = [:]
    /// Jobs whose exit is being handled (a completion, a failure, a retry, a
    /// failback, a time limit): still held (the stops and status writes read them),
    /// but a round's start, shrink or growth that awaited meanwhile must leave them
    /// alone. It planned from the job as it was, and would start a new run of a job
    /// that is completing or failing, or one whose retry backoff is not yet set.
    /// Counted: two exits of one job may be handled at once.
    private var exiting: [String: Int] = [:]
    /// Counts the jobs an exit ended (completed, failed, moved), and when each was: a
    /// refresh whose reads were under way meanwhile read the job's status from before
    /// the change, and must not hold it again (a round then started a new run of a
    /// completed job).
    private var removals = 0
    private var removedAt: [String: Int] = [:]
    /// What the backend found at start-up, kept until `recover` succeeds: a backend
    /// reports each worker once, and a retried recovery that asked again found none
    /// alive and restarted every run.
    private var adopted: Adoption?
    /// The latest save of each job's record still under way: the next waits for it. Two
    /// saves issued a moment apart (a round's and an exit's) go out on two connections of
    /// the pool, and the database may apply the later one first, leaving the older record.
    private var savesUnderWay: [String: Task<Void, any Error>] = [:]
    private var estimates: [String: JobEstimate] = [:]
    private var nodes: [NodeRecord] = []
    /// When every job was last read; a round reads them all again once it is `fullRefreshSeconds` old.
    private var lastFullRefresh: Double?

    public init(
        settings: SchedulerSettings, storage: any SchedulerStorage, allocator: any AllocatorCalling,
        backend: any ClusterBackend, launches: WorkerLaunches, announcer: any StatusAnnouncing,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, logger: Logger,
        requestRound: @escaping @Sendable (_ after: Duration) -> Void
    ) {
        self.settings = settings
        self.storage = storage
        self.allocator = allocator
        self.backend = backend
        self.launches = launches
        self.announcer = announcer
        self.clock = clock
        self.logger = logger
        self.requestRound = requestRound
    }

    /// The jobs held now (tests and `/metrics`).
    public var heldJobs: [ManagedJob] { jobs.values.sorted { $0.name < $1.name } }

    /// Switches the policy; the next round uses it.
    public func setPolicy(_ policy: String) {
        settings.policy = policy
        requestRound(.zero)
    }

    // MARK: Start-up

    /// Loads the jobs and adopts the workers the backend found: live ones are
    /// kept, exits missed while no scheduler watched are judged now, and a
    /// run that lost workers without a trace is stopped and started again.
    public func recover() async throws {
        let adoption: Adoption
        if let found = adopted {
            adoption = found
        } else {
            adoption = try await backend.adopt()
            adopted = adoption
        }
        try await refresh()
        let alive = Set(adoption.running.map(\.launch.id))
        for name in Set(adoption.running.map(\.launch.id.job)).subtracting(jobs.keys).sorted() {
            try await load(name)
        }
        // Workers alive from a run the records no longer name (the intent of a
        // newer run was written, then the scheduler died): stop them.
        for id in adoption.running.map(\.launch.id) where !isCurrent(id) {
            logger.warning("stopping a worker no record names", metadata: ["worker": "\(id)"])
            try await backend.stop(id, grace: settings.stopGrace)
        }
        for exit in adoption.missedExits.sorted(by: { $0.endedAt < $1.endedAt }) {
            try await handle(exit)
            try await backend.forget(exit.id)
        }
        // Workers the record names that are not alive and did not finish never
        // started (the scheduler died between intent and start) or were stopped
        // while no scheduler ran (`cmd down`): start the run over.
        for name in jobs.keys.sorted() {
            guard let job = jobs[name], job.hasWorkers else { continue }
            let lost = job.record.workers.filter { slot in
                let id = WorkerID(job: name, run: job.record.run, index: slot.index)
                return !alive.contains(id) && !job.record.finishedWorkers.contains(slot.index)
            }
            if !lost.isEmpty {
                logger.warning("run lost workers while the scheduler was down; restarting it", metadata: ["job": "\(name)"])
                try await stopRun(name)
            } else if job.stored.status.state != .running, !job.stored.status.state.isTerminal {
                // Its scheduler started the run and died (or lost its term) before writing so.
                let first = job.stored.status.startedAt == nil
                try await setStatus(name, state: .running, workers: job.record.workers.count, message: "")
                try await history(name, first ? "Started" : "Resized", "adopted: run \(job.record.run), \(job.record.workers.count) workers")
            }
        }
        adopted = nil
        requestRound(.zero)
    }

    /// Whether `id` is a worker of its job's current run.
    private func isCurrent(_ id: WorkerID) -> Bool {
        guard let job = jobs[id.job] else { return false }
        return id.run == job.record.run && job.record.workers.contains { $0.index == id.index }
    }

    // MARK: Rounds

    /// How long a round's phases took, for `/metrics`.
    public struct RoundTimings: Sendable {
        /// Reading jobs, their records and estimates, and nodes.
        public var refresh: Duration = .zero
        /// The snapshot, the allocator's answer (RPC included) and the plan.
        public var allocate: Duration = .zero
        /// Stops, starts and status writes.
        public var apply: Duration = .zero
    }

    /// One round: reload what `cause` names (and nodes; everything now and
    /// then), stop what was canceled, allocate, apply.
    @discardableResult
    public func round(_ cause: RoundCause = .everything) async throws -> RoundTimings {
        var timings = RoundTimings()
        var phaseStart = ContinuousClock.now
        func lap() -> Duration {
            let now = ContinuousClock.now
            defer { phaseStart = now }
            return now - phaseStart
        }
        let fullRefreshDue = lastFullRefresh.map { clock() - $0 >= settings.fullRefreshSeconds } ?? true
        if cause.everything || fullRefreshDue {
            try await refresh()
        } else {
            try await refresh(cause)
        }
        try await stopCanceled()
        try await enforceTimeLimits(now: clock())
        let now = clock()
        let taking = jobs.values.filter { SnapshotBuilder.eligible($0, now: now) }
        let snapshot = SnapshotBuilder.snapshot(
            jobs: Array(taking), nodes: nodes, estimates: estimates,
            round: .init(
                policy: settings.policy, now: now, minResizeInterval: settings.minResizeInterval,
                defaultRestartSeconds: settings.defaultRestartSeconds))
        timings.refresh = lap()
        let decision = try await allocator.allocate(snapshot)
        let plan = RoundPlan.plan(decision, jobs: snapshot.jobs.compactMap { jobs[$0.name] })
        timings.allocate = lap()
        for (name, change) in plan.changes.sorted(by: { $0.key < $1.key }) {
            logger.info("round changes a job", metadata: ["job": "\(name)", "change": "\(change)"])
        }
        try await storePolicyState(plan.policyState)
        // Safe order: everything that frees GPUs first, all at once; then starts.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, change) in plan.stopsFirst {
                group.addTask { try await self.release(name, change) }
            }
            try await group.waitForAll()
        }
        for (name, change) in plan.stopsFirst {
            if case .restart(let slots) = change { try await startRun(name, slots: slots) }
        }
        for (name, change) in plan.startsAfter {
            switch change {
            case .start(let slots): try await startRun(name, slots: slots)
            case .grow(let added): try await grow(name, adding: added)
            default: break
            }
        }
        for (name, reason) in plan.pending.sorted(by: { $0.key < $1.key }) {
            guard let job = jobs[name], !job.hasWorkers else { continue }
            if try await setStatus(name, state: .waiting, workers: 0, message: reason) != nil {
                backend.recordJobEvent(job: name, reason: "Pending", message: reason, warning: false)
            }
        }
        // A job waiting out a retry backoff needs a round when it ends; a running
        // one with a time limit, when the limit is reached.
        let wakeUps = jobs.values.compactMap { job -> Double? in
            if !job.hasWorkers { return job.record.notBefore }
            return job.spec.timeLimitSeconds.map { now + Double($0) - job.record.running(at: now) }
        }.filter { $0 > now }
        if let next = wakeUps.min() { requestRound(.milliseconds(Int64((next - now) * 1000) + 10)) }
        timings.apply = lap()
        return timings
    }

    /// Reads what `cause` names: those jobs (new ones with their records and
    /// estimates), every estimate after a metrics event, and the nodes.
    private func refresh(_ cause: RoundCause) async throws {
        var added: [String] = []
        let epoch = removals
        for read in try await storage.jobs(named: cause.jobs.sorted()) where !endedSince(epoch, read.name) {
            let name = read.name
            let stored = Self.newer(read, than: jobs[name]?.stored)
            let active = stored.spec.accelerator == settings.accelerator && !stored.status.state.isTerminal
            if var held = jobs[name], active || held.hasWorkers {
                // A job canceled (or failed back) with workers up stays until they are stopped.
                held.stored = stored
                jobs[name] = held
            } else if active {
                jobs[name] = ManagedJob(stored: stored, record: SchedulerRecord())
                added.append(name)
            } else {
                jobs[name] = nil
            }
        }
        let info = try await storage.info(jobs: cause.estimates ? jobs.keys.sorted() : added)
        for name in added {
            if let record = info[name]?.scheduler { jobs[name]?.record = record }
        }
        if cause.estimates {
            estimates = info.compactMapValues(\.estimate)
        } else {
            for name in added { estimates[name] = info[name]?.estimate }
        }
        nodes = try await storage.nodes(accelerator: settings.accelerator)
    }

    private func refresh() async throws {
        lastFullRefresh = clock()
        let epoch = removals
        let active = try await storage.activeJobs(accelerator: settings.accelerator)
        let activeNames = Set(active.map(\.name))
        let names = activeNames.union(jobs.filter { $0.value.hasWorkers }.map(\.key))
        let info = try await storage.info(jobs: names.sorted())
        // Jobs that left the active list with workers still up (canceled) stay until stopped.
        var leaving: [String: StoredJob] = [:]
        for name in jobs.filter({ !activeNames.contains($0.key) && $0.value.hasWorkers }).keys.sorted() {
            leaving[name] = try await storage.job(named: name)
        }
        // No await from here on: exits handled during the reads changed the records and
        // statuses held, which are newer than what was read (the records are this
        // scheduler's own; a stale copy put back lost a finished worker or a retry).
        var next: [String: ManagedJob] = [:]
        for stored in active where !endedSince(epoch, stored.name) {
            let held = jobs[stored.name]
            next[stored.name] = ManagedJob(
                stored: Self.newer(stored, than: held?.stored),
                record: held?.record ?? info[stored.name]?.scheduler ?? SchedulerRecord())
        }
        for (name, job) in jobs where next[name] == nil && job.hasWorkers {
            var held = job
            if let stored = leaving[name] { held.stored = Self.newer(stored, than: job.stored) }
            next[name] = held
        }
        jobs = next
        estimates = info.compactMapValues(\.estimate)
        nodes = try await storage.nodes(accelerator: settings.accelerator)
    }

    /// `read`, unless `held` is a later version: a read under way while this scheduler
    /// wrote the job's status returns it as it was before.
    private static func newer(_ read: StoredJob, than held: StoredJob?) -> StoredJob {
        guard let held, held.version > read.version else { return read }
        return held
    }

    private func load(_ name: String) async throws {
        guard let stored = try await storage.job(named: name) else { return }
        let record = try await storage.info(jobs: [name])[name]?.scheduler ?? SchedulerRecord()
        jobs[name] = ManagedJob(stored: stored, record: record)
    }

    private func stopCanceled() async throws {
        for (name, job) in jobs.sorted(by: { $0.key < $1.key }) where job.stored.status.state.isTerminal {
            if job.hasWorkers {
                logger.info("stopping the workers of a finished job", metadata: ["job": "\(name)", "state": "\(job.stored.status.state.rawValue)"])
                try await stopRun(name)
            }
            jobs[name] = nil
        }
    }

    private func storePolicyState(_ states: [String: TideAllocation.JSONValue]) async throws {
        for (name, state) in states.sorted(by: { $0.key < $1.key }) {
            guard var job = jobs[name], job.record.policyState != state else { continue }
            job.record.policyState = state
            jobs[name] = job
            try await save(job.record, job: name)
        }
    }

    // MARK: Applying changes

    private func release(_ name: String, _ change: RoundPlan.Change) async throws {
        switch change {
        case .stop:
            // An exit that ended the run meanwhile wrote what follows from it.
            guard try await stopRun(name) else { return }
            try await setStatus(name, state: .waiting, workers: 0, message: "preempted")
            try await history(name, "Preempted", "stopped to give its GPUs to other jobs")
        case .restart:
            try await stopRun(name)
        case .shrink(let removing):
            try await shrink(name, removing: removing)
        case .start, .grow:
            break
        }
    }

    /// Stops every worker of the job's run and ends the run. Not a failure.
    /// Returns whether it ended the run: not when an exit handled during the
    /// stops ended it first.
    @discardableResult
    private func stopRun(_ name: String) async throws -> Bool {
        guard let job = jobs[name] else { return false }
        let run = job.record.run
        try await stop(
            job.record.workers.filter { !job.record.finishedWorkers.contains($0.index) }
                .map { WorkerID(job: name, run: run, index: $0.index) })
        guard var current = jobs[name], current.record.run == run, current.hasWorkers else { return false }
        let now = clock()
        if let start = current.record.runStartTime, now - start >= Self.startSettledSeconds {
            // The run got going: failed starts before it no longer lengthen the next wait.
            current.record.startTimeouts = nil
        }
        current.record.endRun(at: now, gpusPerWorker: current.spec.gpusPerWorker)
        jobs[name] = current
        try await save(current.record, job: name)
        return true
    }

    /// History entries that are Warnings as Kubernetes events.
    static let warnings: Set<String> = ["Failed", "Retrying", "RolledBack", "StartTimedOut", "StartFailed", "FailedBack"]

    /// History entries that may follow a job's end.
    static let finalEntries: Set<String> = ["Completed", "Failed"]

    /// A run this old has started for good (a node's refusal comes within seconds).
    static let startSettledSeconds = 60.0

    private func startRun(_ name: String, slots: [WorkerSlot]) async throws {
        // A restart's stop awaited: the job may have completed meanwhile.
        // A retry handled meanwhile set a backoff the plan did not know of.
        guard var job = jobs[name], !job.hasWorkers, !slots.isEmpty, exiting[name] == nil,
            SnapshotBuilder.eligible(job, now: clock())
        else { return }
        let launches: [WorkerLaunch]
        do {
            launches = try self.launches.launches(job: job, run: job.record.run + 1, slots: slots, workerCount: slots.count)
        } catch {
            try await fail(name, message: "\(error)")
            return
        }
        // Whether its status ever read Running: a first run that never started for good
        // (a cancelled or timed-out gang start) is not a resize.
        let firstStart = job.stored.status.startedAt == nil
        job.record.beginRun(slots, at: clock())
        jobs[name] = job
        // The intent first: after a crash, the next scheduler knows this run.
        try await save(job.record, job: name)
        let outcome = await GangStart.start(launches, on: backend, within: settings.gangStartTimeout, settle: settings.stopGrace)
        if case .cancelled = outcome {
            // A scheduler cancelled here has lost its term or is shutting down: it writes
            // nothing more and stops nothing. The run's intent is stored, so the next
            // leader adopts the workers that started or starts the run over.
            throw CancellationError()
        }
        guard exiting[name] == nil, let current = jobs[name], current.record.run == job.record.run, current.hasWorkers else {
            // A worker that ended at once had its exit handled during the start, which ended
            // the run (a retry, a failure) and wrote what follows; workers whose starts came
            // after that exit's stops run under no record.
            try await stop(launches.map(\.id))
            return
        }
        switch outcome {
        case .started:
            break
        case .failed(let worker, let error as BackendError) where !error.blamesJob:
            // The cluster's fault, not the job's: give the GPUs back and try again later.
            logger.warning("worker could not start; the job waits", metadata: ["worker": "\(worker)", "error": "\(error)"])
            try await stopRun(name)
            try await waitBeforeStartingAgain(name, because: "worker \(worker.index) could not start: \(error)", event: "StartFailed")
            return
        case .failed(let worker, let error):
            logger.error("worker failed to start", metadata: ["worker": "\(worker)", "error": "\(error)"])
            try await stopRun(name)
            try await fail(name, message: "worker \(worker.index) could not start: \(error)")
            return
        case .cancelled:
            // Dealt with before the guard above (a cancelled start touches nothing); the
            // switch must still name it.
            throw CancellationError()
        case .timedOut:
            try await stopRun(name)
            try await waitBeforeStartingAgain(
                name, because: "its \(launches.count) workers did not all start within \(settings.gangStartTimeout)",
                event: "StartTimedOut")
            return
        }
        try await setStatus(name, state: .running, workers: slots.count, message: "")
        let placement = WorkerSlots.placement(of: slots).map { "\($0.node):\($0.gpus.map(String.init).joined(separator: ","))" }
        if firstStart {
            try await history(name, "Started", "\(slots.count) workers on \(placement.joined(separator: " "))")
        } else {
            try await history(name, "Resized", "run \(job.record.run): \(slots.count) workers on \(placement.joined(separator: " "))")
        }
    }

    /// A gang that did not fully start (or that a node refused) gave its GPUs back; it waits 2, 4, 8...
    /// seconds (at most 5 minutes) and is placed again.
    private func waitBeforeStartingAgain(_ name: String, because reason: String, event: String) async throws {
        guard var job = jobs[name] else { return }
        let attempts = (job.record.startTimeouts ?? 0) + 1
        let backoff = ExitJudge.backoffSeconds(afterFailures: attempts)
        job.record.startTimeouts = attempts
        job.record.notBefore = clock() + backoff
        jobs[name] = job
        try await save(job.record, job: name)
        let message = "\(reason); trying again in \(Int(backoff)) s"
        try await setStatus(name, state: .waiting, workers: 0, message: message)
        try await history(name, event, message)
        requestRound(.milliseconds(Int64(backoff * 1000) + 10))
    }

    /// Stops `removing` (worker indices of the current run) and writes the run without them;
    /// `reason` says why in the history when it is not the plan's choice.
    private func shrink(_ name: String, removing: [Int], because reason: String? = nil) async throws {
        guard let job = jobs[name] else { return }
        let run = job.record.run
        try await stop(removing.map { WorkerID(job: name, run: run, index: $0) })
        // The stops awaited: the job may have completed meanwhile (its run then has no workers).
        guard var current = jobs[name], current.record.run == run, current.hasWorkers, exiting[name] == nil else { return }
        current.record.resizeLive(
            to: current.record.workers.filter { !removing.contains($0.index) }, at: clock(),
            gpusPerWorker: current.spec.gpusPerWorker)
        jobs[name] = current
        try await save(current.record, job: name)
        try await setStatus(name, state: .running, workers: current.record.workers.count, message: "")
        try await history(name, "Resized", "live: \(current.record.workers.count) workers" + (reason.map { "; \($0)" } ?? ""))
    }

    private func grow(_ name: String, adding: [WorkerSlot]) async throws {
        guard var job = jobs[name], job.hasWorkers, exiting[name] == nil else { return }
        job.record.resizeLive(to: job.record.workers + adding, at: clock(), gpusPerWorker: job.spec.gpusPerWorker)
        let count = job.record.workers.count
        let launches = try self.launches.launches(job: job, run: job.record.run, slots: adding, workerCount: count)
        jobs[name] = job
        try await save(job.record, job: name)
        // Status and history before the starts: once the new workers run, their exits may
        // complete the job (a short one, within a second), and "Completed" must come last.
        try await setStatus(name, state: .running, workers: count, message: "")
        try await history(name, "Resized", "live: \(count) workers")
        for launch in launches {
            // An exit handled meanwhile may have ended the run: a worker started after its
            // stops would run under no record.
            guard exiting[name] == nil, isCurrent(launch.id) else { return }
            do {
                try await backend.start(launch)
            } catch let error where !(error is CancellationError) {
                // The workers already running keep the job going: the growth is undone, not the
                // run. Left listed, a worker that never started would never exit, and the job
                // would wait for it for ever.
                let backoff = jobs[name]?.record.refuseGrowth(at: clock()) ?? 0
                logger.warning(
                    "worker could not start; the growth is undone",
                    metadata: ["worker": "\(launch.id)", "error": "\(error)", "noGrowthFor": "\(Int(backoff)) s"])
                try await shrink(
                    name, removing: adding.map(\.index),
                    because: "growth undone: worker \(launch.id.index) could not start: \(error); no growth for \(Int(backoff)) s")
                return
            }
            guard exiting[name] == nil, isCurrent(launch.id) else {
                try await stop([launch.id])
                return
            }
        }
        // Grown: a later refusal starts the backoff over.
        if var current = jobs[name], current.record.growthRefusals != nil {
            current.record.forgetGrowthRefusals()
            jobs[name] = current
            try await save(current.record, job: name)
        }
    }

    /// Stops these workers at once, whatever their job's record says now.
    private func stop(_ workers: [WorkerID]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in workers {
                group.addTask { try await self.backend.stop(id, grace: self.settings.stopGrace) }
            }
            try await group.waitForAll()
        }
    }

    // MARK: Exits

    /// Judges one worker's exit and records what follows from it.
    public func handle(_ exit: WorkerExit) async throws {
        // Every job with workers is held (loaded at start-up before exits are judged); an exit
        // of a job no longer held belongs to a job already finished.
        guard var job = jobs[exit.id.job] else { return }
        let outcome = ExitJudge.judge(exit, job: job)
        let endsRun = outcome != .ignore && outcome != .workerFinished
        if endsRun { beginExit(job.name) }
        defer { if endsRun { endExit(job.name) } }
        switch outcome {
        case .ignore:
            return
        case .workerFinished:
            job.record.finishedWorkers.append(exit.id.index)
            jobs[job.name] = job
            try await save(job.record, job: job.name)
        case .completed:
            job.record.finishedWorkers.append(exit.id.index)
            job.record.endRun(at: exit.endedAt, gpusPerWorker: job.spec.gpusPerWorker)
            jobs[job.name] = job
            try await save(job.record, job: job.name)
            let written = try await setStatus(job.name, state: .completed, workers: 0, message: "all workers exited 0")
            try await history(
                job.name, "Completed", "after \(job.record.resizes) resizes and \(job.record.retries) retries", after: written)
            forgetEnded(job.name)
            requestRound(.zero)
        case .retry(let message, let backoff):
            try await stopRun(job.name)
            guard var stopped = jobs[job.name] else { return }
            stopped.record.retries += 1
            stopped.record.notBefore = clock() + backoff
            jobs[job.name] = stopped
            try await save(stopped.record, job: job.name)
            try await setStatus(job.name, state: .waiting, workers: 0, message: message)
            try await history(job.name, "Retrying", message)
            requestRound(.zero)
        case .failed(let message):
            try await stopRun(job.name)
            try await fail(job.name, message: message)
        case .failBack(let message, let accelerator):
            try await stopRun(job.name)
            try await failBack(job.name, to: accelerator, because: message)
        case .rollBack(let message):
            try await stopRun(job.name)
            try await waitBeforeStartingAgain(job.name, because: message, event: "RolledBack")
        }
    }

    /// Hands a job whose run ended on this GPU type to its failback type's scheduler.
    private func failBack(_ name: String, to accelerator: String, because reason: String) async throws {
        let message = "\(reason); failing back to \(accelerator)"
        guard let moved = try await storage.move(job: name, from: settings.accelerator, to: accelerator, message: message) else { return }
        forgetEnded(name)
        try await history(name, "FailedBack", message, after: moved)
        do {
            try await announcer.announceMoved(moved)
        } catch {
            // The job is stored on its new type; that scheduler finds it on its next round.
            logger.warning("could not wake the failback scheduler", metadata: ["job": "\(name)", "error": "\(error)"])
        }
        requestRound(.zero)
    }

    /// Jobs that have run as long as their time limit allows are stopped: they
    /// fail, or fail back to another GPU type when they name one.
    private func enforceTimeLimits(now: Double) async throws {
        for name in jobs.keys.sorted() {
            guard let job = jobs[name], job.hasWorkers, exiting[name] == nil, let limit = job.spec.timeLimitSeconds,
                job.record.running(at: now) >= Double(limit)
            else { continue }
            let reason = "ran past its time limit of \(DurationText.text(seconds: limit))"
            logger.info("time limit reached", metadata: ["job": "\(name)"])
            beginExit(name)
            defer { endExit(name) }
            guard try await stopRun(name) else { continue }
            if let failback = job.spec.failback {
                try await failBack(name, to: failback.accelerator, because: reason)
            } else {
                try await fail(name, message: reason)
            }
        }
    }

    /// Writes the job's record once the saves of it issued before have landed, so that the
    /// last one issued is the one stored. Sent even when the caller is cancelled meanwhile:
    /// the in-memory record already says it, and a save dropped or cut off in its retries
    /// would leave the stored one behind, or let a stray first attempt land after a later
    /// save. A leader that lost its term is stopped by fencing instead.
    private func save(_ record: SchedulerRecord, job name: String) async throws {
        let previous = savesUnderWay[name]
        let storage = self.storage
        let write = Task {
            _ = await previous?.result
            try await storage.save(record, job: name)
        }
        savesUnderWay[name] = write
        defer { if savesUnderWay[name] == write { savesUnderWay[name] = nil } }
        try await write.value
    }

    /// Marks the job as exiting (see `exiting`).
    private func beginExit(_ name: String) {
        exiting[name, default: 0] += 1
    }

    private func endExit(_ name: String) {
        exiting[name] = (exiting[name] ?? 1) > 1 ? exiting[name]! - 1 : nil
    }

    /// Lets go of a job an exit ended; see `removedAt`.
    private func forgetEnded(_ name: String) {
        jobs[name] = nil
        removals += 1
        removedAt[name] = removals
        // Only refreshes under way need the entries; keep the map bounded.
        if removedAt.count > 10_000 { removedAt = removedAt.filter { $0.value > removals - 1_000 } }
    }

    /// Whether `name` was let go by an exit after `epoch` (a value of `removals`).
    private func endedSince(_ epoch: Int, _ name: String) -> Bool {
        (removedAt[name] ?? 0) > epoch
    }

    private func fail(_ name: String, message: String) async throws {
        let written = try await setStatus(name, state: .failed, workers: 0, message: message)
        try await history(name, "Failed", message, after: written)
        forgetEnded(name)
        requestRound(.zero)
    }

    // MARK: Status

    /// Writes the job's status; returns the job as written (nil when nothing was written).
    @discardableResult
    private func setStatus(_ name: String, state: JobState, workers: Int, message: String) async throws -> StoredJob? {
        guard let job = jobs[name] else { return nil }
        let current = job.stored.status
        if current.state == state && current.workers == workers && current.message == message { return nil }
        let now = Date(timeIntervalSince1970: clock())
        guard
            let written = try await storage.updateStatus(
                job: name, accelerator: settings.accelerator,
                { status in
                    // A job canceled meanwhile stays canceled.
                    guard !status.state.isTerminal else { return }
                    status.state = state
                    status.workers = workers
                    status.message = message
                    if state == .running && status.startedAt == nil { status.startedAt = now }
                    if state.isTerminal { status.finishedAt = now }
                })
        else { return nil }
        if var held = jobs[name] {
            held.stored = Self.newer(written, than: held.stored)
            jobs[name] = held
        }
        do {
            try await announcer.announce(written)
        } catch {
            // The status is stored; watchers read it from the API. Only the notification is lost.
            logger.warning("status event not published", metadata: ["job": "\(name)", "error": "\(error)"])
        }
        return written
    }

    /// Appends a history entry at the job's current status. `written` is the job as its
    /// last status write left it: a round that read the jobs meanwhile may have dropped a
    /// job that just finished, and its last entry must not be lost with it.
    private func history(_ name: String, _ type: String, _ message: String, after written: StoredJob? = nil) async throws {
        guard let stored = jobs[name]?.stored ?? written else { return }
        // A round's entry (a resize, a preemption) whose status write found the job ended
        // by an exit meanwhile would come after its end.
        if stored.status.state.isTerminal && !Self.finalEntries.contains(type) { return }
        backend.recordJobEvent(job: name, reason: type, message: message, warning: Self.warnings.contains(type))
        try await storage.record(
            JobHistoryEvent(
                job: name, time: Date(timeIntervalSince1970: clock()), type: type, message: message,
                accelerator: stored.spec.accelerator, state: stored.status.state.rawValue, version: stored.version))
    }
}
