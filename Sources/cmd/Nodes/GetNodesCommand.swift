import ArgumentParser
import Foundation
import TideCore

/// `cmd get nodes`: NAME ACCELERATOR GPUS USED JOBS.
struct GetNodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List nodes: NAME ACCELERATOR GPUS USED JOBS.")

    @Option(name: [.short, .customLong("output")], help: "json or yaml (default: a table).")
    var output: OutputFormat = .table

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let nodes = try await client.client().listNodes()
        switch output {
        case .json, .yaml:
            Console.print(try OutputFormat.document(["items": .array(nodes)], as: output), terminator: "")
        case .table, .wide:
            if nodes.isEmpty {
                Console.printError("No nodes: add one with cmd label node NODE tide/accelerator=TYPE --gpus N")
                return
            }
            var table = TextTable(header: ["NAME", "ACCELERATOR", "GPUS", "USED", "JOBS"])
            let rows = nodes.map { node -> [String] in
                func number(_ key: String) -> String {
                    if case .int(let value)? = node[key] { return String(value) }
                    return "0"
                }
                let jobs = (node["jobs"]?.arrayValue ?? []).compactMap(\.stringValue)
                let cordoned = node["schedulable"] == .bool(false) ? " (cordoned)" : ""
                return [
                    (node["name"]?.stringValue ?? "?") + cordoned, node["accelerator"]?.stringValue ?? "?",
                    number("gpus"), number("used"), jobs.isEmpty ? "<none>" : jobs.joined(separator: ","),
                ]
            }
            table.widen(with: rows)
            Console.print(table.line(table.header))
            rows.forEach { Console.print(table.line($0)) }
        }
    }
}
