import ArgumentParser
import Foundation
import TideCore

/// `cmd describe job NAME`: spec, status, workers, history and why it is pending.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a job in detail.", subcommands: [DescribeJobCommand.self])
}

struct DescribeJobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "A job's spec, status, workers, history and why it is pending.")

    @Argument(help: ArgumentHelp("The stored job name.", valueName: "name"))
    var name: String

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client()
        let job = try await api.job(name)
        let events = try await api.events(of: name)
        for line in JobDescription(job: job, events: events, now: Date()).lines() {
            Console.print(line)
        }
    }
}
