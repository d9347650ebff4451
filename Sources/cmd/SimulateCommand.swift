import ArgumentParser

/// `cmd simulate`: placeholder until the simulator lands.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "Simulate a trace under a policy.")
    func run() throws { throw ValidationError("not built yet") }
}
