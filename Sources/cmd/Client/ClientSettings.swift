import Foundation
import TideStack
import Yams

/// Where the training service is and the token to show it, from flags, then the
/// environment (`TIDE_SERVER`, `TIDE_TOKEN`), then the config file, then the
/// local stack of `cmd up` (its `stack.json`), then the default.
struct ClientSettings: Sendable, Equatable {
    static let defaultServer = "http://127.0.0.1:55587"

    var server: String
    var token: String?
    /// Where the token came from, for the hint after a 401.
    var tokenSource: String?
    /// The config file read (or that would have been), for the hint after a 401.
    var configPath: String

    /// The config file: `TIDE_CONFIG`, else `$XDG_CONFIG_HOME/tide/config.yaml`, else `~/.config/tide/config.yaml`.
    static func configPath(environment: [String: String]) -> String {
        if let explicit = environment["TIDE_CONFIG"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/tide/config.yaml" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/tide/config.yaml"
    }

    static func resolve(
        server flagServer: String?, token flagToken: String?, configPath explicitPath: String?,
        environment: [String: String]
    ) throws(CommandFailure) -> ClientSettings {
        let path = explicitPath ?? configPath(environment: environment)
        let file = try ConfigFile.load(path: path, required: explicitPath != nil)
        let localStack = try? StackConfiguration.load(from: StackPaths(root: StackPaths.defaultRoot(environment: environment)).configuration)
        let server = flagServer ?? environment["TIDE_SERVER"].nonEmpty ?? file?.server ?? localStack?.apiURL ?? defaultServer
        let token: String?
        let source: String?
        if let flagToken {
            (token, source) = (flagToken, "--token")
        } else if let envToken = environment["TIDE_TOKEN"].nonEmpty {
            (token, source) = (envToken, "TIDE_TOKEN")
        } else if let fileToken = file?.token {
            (token, source) = (fileToken, path)
        } else if let localStack, server.trimmingSuffix("/") == localStack.apiURL {
            (token, source) = (localStack.apiToken, "the local stack (\(StackPaths.defaultRoot(environment: environment).path)/stack.json)")
        } else {
            (token, source) = (nil, nil)
        }
        guard let url = URL(string: server), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host != nil
        else {
            throw CommandFailure("the server address \"\(server)\" is not an http:// or https:// URL such as \(defaultServer)")
        }
        return ClientSettings(
            server: String(server.trimmingSuffix("/")), token: token, tokenSource: source, configPath: path)
    }
}

/// `~/.config/tide/config.yaml`: `server:` and `token:`.
struct ConfigFile: Sendable, Equatable {
    var server: String?
    var token: String?

    static let keys: Set<String> = ["server", "token"]

    /// The file's settings; nil if it does not exist (and need not).
    static func load(path: String, required: Bool) throws(CommandFailure) -> ConfigFile? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if required || FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("cannot read the config file \(path)")
            }
            return nil
        }
        let text = String(decoding: data, as: UTF8.self)
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw CommandFailure("the config file \(path) is not valid YAML: \(error)")
        }
        guard let root else { return ConfigFile() }
        guard let mapping = root as? [String: Any] else {
            throw CommandFailure("the config file \(path) must be a mapping with server: and token:")
        }
        let unknown = mapping.keys.filter { !keys.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw CommandFailure(
                "the config file \(path) has unknown key\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); it may set server and token")
        }
        var file = ConfigFile()
        for key in keys.sorted() {
            guard let value = mapping[key] else { continue }
            guard let text = value as? String, !text.isEmpty else {
                throw CommandFailure("the config file \(path): \(key) must be a non-empty string")
            }
            if key == "server" { file.server = text } else { file.token = text }
        }
        return file
    }
}

extension Optional where Wrapped == String {
    /// The string, or nil if it is empty.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> Substring {
        var text = Substring(self)
        while text.last == suffix { text = text.dropLast() }
        return text
    }
}
