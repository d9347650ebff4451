import ArgumentParser
import Foundation
import TideStack

/// `cmd down`: stops the local stack, losing nothing; `cmd up` resumes it.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the local stack: the scheduler, the workers (they checkpoint), the services, the servers.")

    @OptionGroup var stack: StackOptions

    @Option(help: "Seconds to wait for everything to stop.")
    var timeout = 180.0

    func run() async throws {
        let paths = stack.paths
        guard SupervisorLock.isHeld(paths) else {
            Console.print("Tide is not up (\(paths.root.path))")
            return
        }
        guard let pid = StackStatus.load(from: paths.status)?.supervisorPID, kill(pid, SIGTERM) == 0 else {
            throw CommandFailure("the supervisor holds \(paths.lock.path) but its pid is unknown; see \(paths.supervisorLog.path)")
        }
        Console.print("Stopping Tide (supervisor pid \(pid))...")
        let deadline = ContinuousClock.now + .seconds(timeout)
        while SupervisorLock.isHeld(paths) {
            if ContinuousClock.now > deadline {
                throw CommandFailure("the stack did not stop within \(Int(timeout)) s; see \(paths.supervisorLog.path)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Console.print("Tide is down. Jobs, queues and logs are kept in \(paths.root.path); cmd up resumes them.")
    }
}
