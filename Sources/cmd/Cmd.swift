import ArgumentParser

/// `cmd`: Tide's command-line client.
@main
struct Cmd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmd",
        abstract: "Tide: an elastic scheduler for GPU clusters.",
        subcommands: [AllocateCommand.self, SimulateCommand.self])
}
