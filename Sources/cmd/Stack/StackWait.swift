import Foundation
import TideStack

/// Following the supervisor's status file while it starts or stops.
enum StackWait {
    /// Returns once the stack is ready; prints each part as it becomes ready.
    /// Throws with the supervisor's reason (and where its log is) if it gives up.
    static func untilReady(_ paths: StackPaths, supervisor: pid_t, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var announced: Set<String> = []
        while true {
            let status = StackStatus.load(from: paths.status)
            for part in status?.parts ?? [] where part.state == .ready && !announced.contains(part.name) {
                announced.insert(part.name)
                Console.print("  \(part.name) ready")
            }
            if status?.state == .ready { return }
            if status?.state == .failed || hasExited(supervisor) {
                // Read again: the supervisor writes its reason just before it exits.
                let final = StackStatus.load(from: paths.status)
                let reason = final?.state == .failed ? final?.message ?? "it failed" : "the supervisor exited"
                throw CommandFailure("the stack did not start: \(reason)\n(supervisor log: \(paths.supervisorLog.path))")
            }
            if ContinuousClock.now > deadline {
                throw CommandFailure(
                    "the stack was not ready within \(timeout); it keeps trying: see cmd status and \(paths.supervisorLog.path)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The supervisor is this process's child until this process exits: reap it if it ended.
    private static func hasExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }
}
