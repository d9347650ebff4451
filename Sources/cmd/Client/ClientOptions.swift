import ArgumentParser
import Foundation

/// The options every command that talks to the training service takes.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The training service's URL (default: TIDE_SERVER, the config file, else \(ClientSettings.defaultServer)).",
        valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The API token (default: TIDE_TOKEN, else the config file).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp(
        "The config file (default: TIDE_CONFIG, else ~/.config/tide/config.yaml).", valueName: "path"))
    var config: String?

    /// A client for the settings these options and the environment name.
    func client() throws -> TideAPIClient {
        let settings = try ClientSettings.resolve(
            server: server, token: token, configPath: config, environment: ProcessInfo.processInfo.environment)
        return TideAPIClient(settings: settings)
    }
}
