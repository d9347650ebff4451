import ArgumentParser
import TideCore

/// `cmd patch job NAME --priority P --max-workers N`.
struct PatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch", abstract: "Change a job.", subcommands: [PatchJobCommand.self])
}

struct PatchJobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Change a job's priority or its maximum number of workers.")

    @Argument(help: ArgumentHelp("The stored job name.", valueName: "name"))
    var name: String

    @Option(help: "The new priority (higher runs first).")
    var priority: Int?

    @Option(help: "The new maximum number of workers.")
    var maxWorkers: Int?

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if priority == nil && maxWorkers == nil {
            throw ValidationError("give --priority P, --max-workers N or both")
        }
    }

    func run() async throws {
        var spec: [String: JSONValue] = [:]
        if let priority { spec["priority"] = .int(Int64(priority)) }
        if let maxWorkers { spec["workers"] = ["max": .int(Int64(maxWorkers))] }
        _ = try await client.client().patch(name, patch: ["spec": .object(spec)])
        Console.print("Training job patched: \(name)")
    }
}
