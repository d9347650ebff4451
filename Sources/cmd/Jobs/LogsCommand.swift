import ArgumentParser
import Foundation

/// `cmd logs NAME [-f] [--worker I]`: a worker's output.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a job's worker output (worker 0 by default) from its latest run.")

    @Argument(help: "The job's stored name.")
    var name: String

    @Flag(name: [.short, .customLong("follow")], help: "Keep printing as the worker writes, until the job finishes.")
    var follow = false

    @Option(help: "The worker index.")
    var worker = 0

    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard worker >= 0 else { throw ValidationError("--worker must be 0 or more") }
    }

    func run() async throws {
        for try await chunk in try await client.client().logs(of: name, worker: worker, follow: follow) {
            FileHandle.standardOutput.write(chunk)
        }
    }
}
