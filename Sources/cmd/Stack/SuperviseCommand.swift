import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TideStack

/// `cmd supervise`: the supervisor process `cmd up` starts (not for direct use).
struct SuperviseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise", abstract: "Run the local stack's supervisor in the foreground (cmd up starts it).",
        shouldDisplay: false)

    @OptionGroup var stack: StackOptions

    func run() async throws {
        let paths = stack.paths
        guard let configuration = try StackConfiguration.load(from: paths.configuration) else {
            throw CommandFailure("no stack configuration in \(paths.configuration.path); start the stack with cmd up")
        }
        var logger = Logger(label: "tide.supervisor")
        logger.logLevel = .info
        let supervisor = StackSupervisor(
            configuration: configuration, paths: paths, environment: ProcessInfo.processInfo.environment, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: supervisor)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
