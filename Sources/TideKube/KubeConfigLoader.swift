import Foundation
import Yams

/// Reads a kubeconfig file as `kubectl` does: the current context (or one
/// named), its cluster and user; certificate authority, client certificate
/// and key inline (`-data`) or by file (relative to the kubeconfig's folder);
/// a token, a token file, or an `exec` credential plugin.
public enum KubeConfigLoader {
    /// The connection for `context` (default: `current-context`) in the file at `path`.
    public static func load(path: String, context: String? = nil) throws(KubeConfigError) -> KubeConnection {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError("kubeconfig \(path) does not exist or cannot be read")
        }
        let root: Any?
        do {
            root = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw KubeConfigError("kubeconfig \(path) is not valid YAML: \(error)")
        }
        guard let config = root as? [String: Any] else { throw KubeConfigError("kubeconfig \(path) is not a mapping") }
        let folder = (path as NSString).deletingLastPathComponent
        return try connection(config, context: context, source: path, folder: folder)
    }

    static func connection(_ config: [String: Any], context wanted: String?, source: String, folder: String) throws(KubeConfigError)
        -> KubeConnection
    {
        guard let contextName = wanted ?? (config["current-context"] as? String), !contextName.isEmpty else {
            throw KubeConfigError("kubeconfig \(source) has no current-context; name one with --kube-context")
        }
        let context = try entry(config, "contexts", named: contextName, key: "context", source: source)
        guard let clusterName = context["cluster"] as? String else {
            throw KubeConfigError("kubeconfig \(source): context '\(contextName)' names no cluster")
        }
        let cluster = try entry(config, "clusters", named: clusterName, key: "cluster", source: source)
        guard let server = cluster["server"] as? String, let url = URL(string: server), url.scheme == "https" || url.scheme == "http" else {
            throw KubeConfigError("kubeconfig \(source): cluster '\(clusterName)' has no http(s) server")
        }
        let place = "kubeconfig \(source): cluster '\(clusterName)'"
        let ca = try pem(cluster, "certificate-authority", place: place, folder: folder)
        var user: [String: Any] = [:]
        let userName = context["user"] as? String
        if let userName, !userName.isEmpty {
            user = try entry(config, "users", named: userName, key: "user", source: source)
        }
        return KubeConnection(
            server: String(server.reversed().drop { $0 == "/" }.reversed()), certificateAuthority: ca,
            insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] as? Bool ?? false,
            credentials: try credentials(user, place: "kubeconfig \(source): user '\(userName ?? "")'", folder: folder),
            namespace: (context["namespace"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    private static func credentials(_ user: [String: Any], place: String, folder: String) throws(KubeConfigError)
        -> KubeConnection.Credentials
    {
        if let token = user["token"] as? String, !token.isEmpty { return .token(token) }
        if let file = user["tokenFile"] as? String, !file.isEmpty {
            return .tokenFile(try existing(file, what: "tokenFile", place: place, folder: folder))
        }
        let certificate = try pem(user, "client-certificate", place: place, folder: folder)
        let key = try pem(user, "client-key", place: place, folder: folder)
        switch (certificate, key) {
        case (let certificate?, let key?): return .clientCertificate(certificate: certificate, key: key)
        case (.some, nil): throw KubeConfigError("\(place) has a client-certificate but no client-key")
        case (nil, .some): throw KubeConfigError("\(place) has a client-key but no client-certificate")
        case (nil, nil): break
        }
        if let exec = user["exec"] as? [String: Any] {
            guard let command = exec["command"] as? String, !command.isEmpty else {
                throw KubeConfigError("\(place): exec has no command")
            }
            var environment: [String: String] = [:]
            for variable in exec["env"] as? [[String: Any]] ?? [] {
                if let name = variable["name"] as? String { environment[name] = variable["value"] as? String ?? "" }
            }
            // As kubectl: a command with a slash but not absolute is relative to the kubeconfig's folder.
            let resolved = command.contains("/") && !command.hasPrefix("/") ? folder + "/" + command : command
            return .exec(
                .init(
                    command: resolved, arguments: (exec["args"] as? [Any] ?? []).map { "\($0)" }, environment: environment,
                    apiVersion: exec["apiVersion"] as? String ?? "client.authentication.k8s.io/v1"))
        }
        return .none
    }

    /// `name-data` (base64) or `name` (a file), or nil when neither is given.
    private static func pem(_ fields: [String: Any], _ name: String, place: String, folder: String) throws(KubeConfigError)
        -> KubeConnection.PEM?
    {
        if let encoded = fields["\(name)-data"] as? String, !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw KubeConfigError("\(place): \(name)-data is not base64")
            }
            return .data(data)
        }
        if let file = fields[name] as? String, !file.isEmpty {
            return .file(try existing(file, what: name, place: place, folder: folder))
        }
        return nil
    }

    /// The file, made absolute against the kubeconfig's folder; throws when it does not exist.
    private static func existing(_ file: String, what: String, place: String, folder: String) throws(KubeConfigError) -> String {
        let path = file.hasPrefix("/") ? file : (folder as NSString).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: path) else {
            throw KubeConfigError("\(place): \(what) \(path) does not exist")
        }
        return path
    }

    private static func entry(_ config: [String: Any], _ list: String, named name: String, key: String, source: String)
        throws(KubeConfigError) -> [String: Any]
    {
        let entries = config[list] as? [[String: Any]] ?? []
        guard let found = entries.first(where: { $0["name"] as? String == name }) else {
            let known = entries.compactMap { $0["name"] as? String }.sorted()
            throw KubeConfigError(
                "kubeconfig \(source) has no \(key) named '\(name)'\(known.isEmpty ? "" : " (it has \(known.joined(separator: ", ")))")")
        }
        return found[key] as? [String: Any] ?? [:]
    }
}
