import ArgumentParser
import Foundation
import TideStack

/// `cmd status`: the local stack's parts, as the supervisor sees them.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the local stack's parts: state, pid, port, restarts. Exits 1 when it is not up.")

    @OptionGroup var stack: StackOptions

    func run() async throws {
        let paths = stack.paths
        guard SupervisorLock.isHeld(paths) else {
            Console.print("Tide is not up (\(paths.root.path)); start it with cmd up")
            throw ExitCode.failure
        }
        try Self.printStatus(paths)
    }

    static func printStatus(_ paths: StackPaths) throws {
        guard let status = StackStatus.load(from: paths.status) else {
            throw CommandFailure("no readable status in \(paths.status.path) yet; see \(paths.supervisorLog.path)")
        }
        let now = Date()
        var rows = status.parts.map { part in
            [
                part.name, part.state.rawValue, part.pid.map(String.init) ?? "-", part.port.map(String.init) ?? "-",
                "\(part.restarts)", ElapsedText.text(seconds: Int(now.timeIntervalSince(part.since))), part.message ?? "",
            ]
        }
        if let collector = status.collector {
            rows.append([
                collector.name, "ran \(ElapsedText.text(seconds: Int(now.timeIntervalSince(collector.since)))) ago", "-", "-", "-", "-",
                collector.message ?? "",
            ])
        }
        Console.print("stack \(status.state.rawValue) (supervisor pid \(status.supervisorPID))\(status.message.map { ": \($0)" } ?? "")")
        for line in TextTable.render(header: ["PART", "STATE", "PID", "PORT", "RESTARTS", "SINCE", "LAST"], rows: rows) { Console.print(line) }
    }
}
