import ArgumentParser

/// `cmd delete NAME...`: cancels jobs; their documents stay, with status Canceled.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Cancel jobs: their workers stop and they stay listed as Canceled.")

    @Argument(help: ArgumentHelp("Stored job names, as `cmd get jobs` lists them.", valueName: "name"))
    var names: [String] = []

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if names.isEmpty { throw ValidationError("name the jobs to delete, e.g. cmd delete resnet50-20261122-081500") }
    }

    func run() async throws {
        let api = try client.client()
        try await CommandFailure.forEach(names, label: { $0 }) { name in
            _ = try await api.cancel(name)
            Console.print("Training job deleted: \(name)")
        }
    }
}
