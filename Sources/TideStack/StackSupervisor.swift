import Foundation
import Logging
import ServiceLifecycle

/// The local stack's supervisor (SPEC "Local stack"): starts the broker, the
/// database and the services level by level, each once the level below is
/// ready; restarts a crashed part within a second, with backoff; runs the
/// metrics collector on a timer; and on graceful shutdown stops the
/// scheduler, then the workers (as Tide-caused stops, so the next `cmd up`
/// starts their runs again), then the rest, top down, losing nothing.
///
/// What it sees is written to `status.json` on every change.
public actor StackSupervisor: Service {
    let configuration: StackConfiguration
    let paths: StackPaths
    let parts: [StackPart]
    let collector: StackPart
    let logger: Logger
    let backoff: RestartBackoff
    /// How long a level may take to become ready at start-up.
    let startTimeout: Duration

    private var processes: [String: ChildProcess] = [:]
    private var keepers: [Task<Void, Never>] = []
    private var status: StackStatus
    private var stopping = false

    public init(
        configuration: StackConfiguration, paths: StackPaths, environment: [String: String], logger: Logger,
        backoff: RestartBackoff = RestartBackoff(), startTimeout: Duration = .seconds(120)
    ) {
        self.configuration = configuration
        self.paths = paths
        parts = StackParts.parts(configuration, paths: paths, environment: environment)
        collector = StackParts.collector(configuration, environment: environment)
        self.logger = logger
        self.backoff = backoff
        self.startTimeout = startTimeout
        let now = Date()
        status = StackStatus(
            supervisorPID: getpid(), state: .starting, message: nil,
            parts: parts.map { .init(name: $0.name, state: .stopped, pid: nil, port: $0.port, restarts: 0, since: now) },
            collector: nil, updated: now)
    }

    public func run() async throws {
        var failure: (any Error)?
        do {
            try prepare()
            try await startLevels()
            setStackState(.ready, message: nil)
            logger.info("stack ready", metadata: ["api": "\(configuration.apiURL)"])
            await cancelWhenGracefulShutdown { await self.runCollectorTimer() }
        } catch {
            failure = error
            setStackState(.failed, message: "\(error)")
            logger.error("stack start-up failed", metadata: ["error": "\(error)"])
        }
        await stopAll()
        if let failure {
            // What `cmd up` reports: the reason, not the stop that followed it.
            setStackState(.failed, message: "\(failure)")
            throw failure
        }
        setStackState(.stopped, message: nil)
    }

    // MARK: Start-up

    private func prepare() throws {
        for directory in [paths.logs, paths.local, paths.checkpoints] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        if configuration.externalAMQPURI == nil {
            try RabbitMQNode(configuration: configuration, directory: paths.rabbitMQ).prepare()
        }
        for part in parts where !part.executable.hasPrefix("/") || !FileManager.default.isExecutableFile(atPath: part.executable) {
            throw StackError("\(part.name): \(part.executable) is missing or not executable; build it (make release) or install it")
        }
        saveStatus()
    }

    /// Starts each level's parts and waits until all are ready.
    private func startLevels() async throws {
        for level in Set(parts.map(\.level)).sorted() {
            let members = parts.filter { $0.level == level }
            for part in members {
                keepers.append(Task { await self.keep(part) })
            }
            let deadline = ContinuousClock.now + startTimeout
            while !members.allSatisfy({ state(of: $0.name) == .ready }) {
                if Task.isShuttingDownGracefully { throw StackError("stopped while starting") }
                if ContinuousClock.now > deadline {
                    let late = members.filter { state(of: $0.name) != .ready }.map(\.name)
                    throw StackError(
                        "\(late.joined(separator: ", ")) did not become ready within \(startTimeout); see \(late.map { paths.log(of: $0).path }.joined(separator: ", "))")
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs `part` until the stack stops, restarting it whenever it ends.
    private func keep(_ part: StackPart) async {
        var crashes = 0
        while !stopping {
            let started = ContinuousClock.now
            let process: ChildProcess
            do {
                process = try ChildProcess.spawn(part, log: paths.log(of: part.name))
            } catch {
                crashes += 1
                update(part.name) { $0.state = .restarting; $0.message = "\(error)" }
                try? await Task.sleep(for: backoff.delay(afterConsecutiveCrashes: crashes))
                continue
            }
            processes[part.name] = process
            update(part.name) { $0.state = .starting; $0.pid = process.pid; $0.message = nil }
            let probe = Task { await self.awaitReady(part, pid: process.pid) }
            let ending = await process.ending.value
            probe.cancel()
            processes[part.name] = nil
            if stopping {
                update(part.name) { $0.state = .stopped; $0.pid = nil; $0.message = "\(ending)" }
                return
            }
            crashes = backoff.crashes(after: crashes, ranFor: ContinuousClock.now - started)
            let delay = backoff.delay(afterConsecutiveCrashes: crashes)
            logger.error("part ended; restarting it", metadata: ["part": "\(part.name)", "ending": "\(ending)", "delay": "\(delay)"])
            update(part.name) {
                $0.state = .restarting
                $0.pid = nil
                $0.restarts += 1
                $0.message = "\(ending); restarting in \(delay)"
            }
            try? await Task.sleep(for: delay)
        }
    }

    private func awaitReady(_ part: StackPart, pid: pid_t) async {
        while !Task.isCancelled {
            if await ReadinessProbe.isReady(part) {
                update(part.name) { if $0.pid == pid, $0.state == .starting { $0.state = .ready } }
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: Collector timer

    private func runCollectorTimer() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(configuration.collectorIntervalSeconds))
            if Task.isCancelled { return }
            await runCollectorOnce()
        }
    }

    private func runCollectorOnce() async {
        let started = Date()
        let ending: String
        do {
            let process = try ChildProcess.spawn(collector, log: paths.log(of: collector.name))
            ending = "\(await withTaskCancellationHandler { await process.ending.value } onCancel: { process.signal(SIGTERM) })"
        } catch {
            ending = "\(error)"
        }
        status.collector = .init(
            name: collector.name, state: .stopped, pid: nil, port: nil, restarts: 0, since: started, message: ending)
        saveStatus()
    }

    // MARK: Shutdown

    /// Top down: the scheduler, the workers, the services, the servers.
    private func stopAll() async {
        stopping = true
        setStackState(.stopping, message: nil)
        for level in Set(parts.map(\.level)).sorted(by: >) {
            await withTaskGroup(of: Void.self) { group in
                for part in parts where part.level == level {
                    guard let process = processes[part.name] else { continue }
                    update(part.name) { $0.state = .stopping }
                    group.addTask { _ = await process.stop(grace: part.stopGrace) }
                }
            }
            if level == parts.first(where: { $0.name == "scheduler" })?.level {
                await LocalWorkers.stopAll(
                    dataDirectory: paths.local, binDirectory: configuration.binDirectory,
                    grace: .seconds(configuration.stopGraceSeconds), logger: logger)
            }
        }
        for keeper in keepers { await keeper.value }
        keepers = []
    }

    // MARK: Status

    private func state(of part: String) -> StackStatus.State? {
        status.parts.first { $0.name == part }?.state
    }

    private func update(_ part: String, _ change: (inout StackStatus.Part) -> Void) {
        guard let index = status.parts.firstIndex(where: { $0.name == part }) else { return }
        let before = status.parts[index].state
        change(&status.parts[index])
        if status.parts[index].state != before { status.parts[index].since = Date() }
        saveStatus()
    }

    private func setStackState(_ state: StackStatus.State, message: String?) {
        status.state = state
        status.message = message
        saveStatus()
    }

    private func saveStatus() {
        status.updated = Date()
        do {
            try status.save(to: paths.status)
        } catch {
            logger.warning("cannot write the stack status", metadata: ["error": "\(error)"])
        }
    }
}
