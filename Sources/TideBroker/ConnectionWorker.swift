import Foundation
import Logging
import Synchronization

/// A thread that owns one AMQP connection at a time and runs a role on it.
///
/// rabbitmq-c connections are not thread-safe and their calls block, so they
/// never run on Swift's cooperative pool. The thread loops: take the commands
/// other threads queued (under a mutex), (re)connect with backoff when needed,
/// handle every frame rabbitmq-c has buffered, then poll() the socket and a
/// wake-up pipe, which `send` and `stop` write to.
///
/// `@unchecked Sendable`: `role` is confined to the worker's thread (it is only
/// touched inside `run()`); everything shared lives in the `shared` mutex or
/// is immutable.
final class ConnectionWorker<Role: ConnectionRole>: @unchecked Sendable {
    private struct Shared {
        var commands: [Role.Command] = []
        var stopping = false
        var finished = false
        var startup: CheckedContinuation<Void, any Error>?
    }

    private let role: Role
    private let configuration: BrokerConfiguration
    private let name: String
    private let logger: Logger
    private let shared = Mutex(Shared())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(role: Role, configuration: BrokerConfiguration, name: String, logger: Logger) {
        self.role = role
        self.configuration = configuration
        self.name = name
        var logger = logger
        logger[metadataKey: "broker"] = "\(name) \(configuration.host):\(configuration.port)"
        self.logger = logger
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "cannot create a pipe: \(String(cString: strerror(errno)))")
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts the thread; returns once the first connection is set up, or throws why it could not be
    /// (after `configuration.retry.initialAttempts` for an unreachable broker; at once for a refused login).
    func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            shared.withLock { $0.startup = continuation }
            let thread = Thread { [self] in
                Thread.current.name = name  // Set from inside: on Linux that names the pthread too.
                run()
            }
            thread.start()
        }
    }

    /// Queues a command for the thread; false when the worker has stopped and will not take it.
    func send(_ command: Role.Command) -> Bool {
        let taken = shared.withLock { shared in
            guard !shared.finished else { return false }
            shared.commands.append(command)
            return true
        }
        if taken { wake() }
        return taken
    }

    /// Asks the thread to close the connection and end; idempotent.
    func stop() {
        shared.withLock { $0.stopping = true }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // A full pipe already means "wake up".
    }

    // MARK: The thread

    private func run() {
        var connection: AMQPConnection?
        var generation: UInt64 = 0
        var everConnected = false
        var failures = 0
        var refusedLogins = 0
        var nextAttempt = ContinuousClock.now
        var fatal: BrokerError?

        func drop(_ error: BrokerError) {
            logger.warning("connection dropped, reconnecting", metadata: ["error": "\(error)"])
            connection?.abandon()
            connection = nil
            role.disconnected(error)
            nextAttempt = .now
        }

        loop: while true {
            let (commands, stopping) = shared.withLock { shared in
                defer { shared.commands.removeAll(keepingCapacity: true) }
                return (shared.commands, shared.stopping)
            }
            for command in commands {
                do throws(BrokerError) { try role.perform(command, on: connection) } catch { drop(error) }
            }
            if stopping { break }

            if connection == nil, ContinuousClock.now >= nextAttempt {
                do throws(BrokerError) {
                    let fresh = try AMQPConnection(configuration)
                    generation += 1
                    do throws(BrokerError) { try role.connected(fresh, generation: generation) } catch {
                        fresh.abandon()
                        throw error
                    }
                    connection = fresh
                    failures = 0
                    refusedLogins = 0
                    logger.info(everConnected ? "reconnected" : "connected")
                    if !everConnected {
                        everConnected = true
                        shared.withLock { $0.startup.take() }?.resume()
                    }
                } catch {
                    failures += 1
                    if case .authenticationRefused = error { refusedLogins += 1 }
                    let giveUp: Bool
                    if !everConnected {
                        giveUp = !error.isRetryable || failures >= configuration.retry.initialAttempts
                    } else if case .authenticationRefused = error {
                        giveUp = refusedLogins >= configuration.retry.refusedLoginsBeforeGivingUp
                    } else {
                        giveUp = !error.isRetryable
                    }
                    if giveUp {
                        fatal = error
                        break loop
                    }
                    let delay = configuration.retry.delay(beforeRetry: failures)
                    logger.warning("cannot connect, retrying", metadata: ["error": "\(error)", "in": "\(delay)"])
                    nextAttempt = .now + delay
                }
            }

            if let current = connection {
                do throws(BrokerError) {
                    var handled = 0
                    while handled < 512, let event = try current.nextEvent() {
                        try role.received(event, on: current)
                        handled += 1
                    }
                    current.releaseBuffers()
                } catch {
                    drop(error)
                    continue
                }
            }

            let now = ContinuousClock.now
            role.tick(now: now)
            if let current = connection, current.hasBufferedInput { continue }
            // Wake at least every second: rabbitmq-c sends heartbeats only when called.
            var wakeAt = now + .seconds(1)
            if connection == nil { wakeAt = min(wakeAt, nextAttempt) }
            if let deadline = role.nextDeadline { wakeAt = min(wakeAt, deadline) }
            wait(socket: connection?.socketDescriptor, until: wakeAt)
        }

        if let connection {
            connection.close()
        }
        let error = fatal ?? .closed(name)
        if let fatal { logger.error("giving up", metadata: ["error": "\(fatal)"]) }
        let leftovers = shared.withLock { shared in
            shared.finished = true
            defer { shared.commands = [] }
            return shared.commands
        }
        role.finished(error)
        for command in leftovers { role.reject(command, error) }
        shared.withLock { $0.startup.take() }?.resume(throwing: error)
    }

    private func wait(socket: Int32?, until deadline: ContinuousClock.Instant) {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let milliseconds = max(0, Int32(clamping: remaining.components.seconds * 1000
            + remaining.components.attoseconds / 1_000_000_000_000_000))
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if let socket, socket >= 0 { fds.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0)) }
        _ = poll(&fds, nfds_t(fds.count), milliseconds)
        if fds[0].revents != 0 {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &buffer, buffer.count) > 0 {}
        }
    }
}
