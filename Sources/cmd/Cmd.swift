import ArgumentParser

/// `cmd`: Tide's command-line client.
@main
struct Cmd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmd",
        abstract: "Tide: an elastic scheduler for GPU clusters.",
        discussion: """
            The server and token come from --server/--token, TIDE_SERVER/TIDE_TOKEN, \
            or ~/.config/tide/config.yaml (server: and token:).
            """,
        subcommands: [
            CreateCommand.self, GetCommand.self, DescribeCommand.self, PatchCommand.self, DeleteCommand.self, LogsCommand.self, LabelCommand.self,
            UpCommand.self, DownCommand.self, StatusCommand.self, SuperviseCommand.self,
            AllocateCommand.self, SimulateCommand.self, CompletionCommand.self,
        ])
}
