import Foundation
import TideHTTP

/// Where the API server is and how to prove who we are: from a kubeconfig
/// (`KubeConfigLoader`) or from the pod's service account (`inCluster`).
public struct KubeConnection: Sendable, Equatable {
    /// PEM bytes, given inline or by a file read when needed (so a rotated file is
    /// picked up): the same type the HTTP client takes.
    public typealias PEM = TLSSettings.PEM

    public enum Credentials: Sendable, Equatable {
        case none
        case token(String)
        /// Re-read before each request when it changed: service-account tokens rotate.
        case tokenFile(String)
        case clientCertificate(certificate: PEM, key: PEM)
        /// A credential plugin (`exec` in the kubeconfig), run for a token when needed.
        case exec(ExecPlugin)
    }

    /// `users[].user.exec`: a command that prints an `ExecCredential`.
    public struct ExecPlugin: Sendable, Equatable {
        public var command: String
        public var arguments: [String]
        public var environment: [String: String]
        public var apiVersion: String

        public init(command: String, arguments: [String] = [], environment: [String: String] = [:], apiVersion: String) {
            self.command = command
            self.arguments = arguments
            self.environment = environment
            self.apiVersion = apiVersion
        }
    }

    /// `https://host:port`, without a trailing slash.
    public var server: String
    /// The CA that signs the server's certificate; nil for the system's.
    public var certificateAuthority: PEM?
    public var insecureSkipTLSVerify: Bool
    public var credentials: Credentials
    /// The namespace worker pods go to.
    public var namespace: String

    public init(
        server: String, certificateAuthority: PEM? = nil, insecureSkipTLSVerify: Bool = false, credentials: Credentials = .none,
        namespace: String = "default"
    ) {
        self.server = server
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
        self.namespace = namespace
    }

    /// The service account's mount in every pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// In a pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, the mounted token (re-read
    /// as it rotates), CA and namespace. Throws naming what is missing.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = serviceAccountDirectory
    ) throws(KubeConfigError) -> KubeConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeConfigError("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; pass --kubeconfig")
        }
        let token = directory + "/token"
        let ca = directory + "/ca.crt"
        for file in [token, ca] where !FileManager.default.fileExists(atPath: file) {
            throw KubeConfigError("in-cluster configuration: \(file) does not exist (is a service account mounted?)")
        }
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // An IPv6 host needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeConnection(
            server: "https://\(hostPart):\(port)", certificateAuthority: .file(ca), credentials: .tokenFile(token),
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }
}

/// A configuration Tide cannot use, with what to fix.
public struct KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension KubeConnection {
    /// The connection a Tide service uses: `kubeconfig` (or `KUBECONFIG`'s first
    /// file), else the pod's service account, else `~/.kube/config`; the namespace
    /// from `namespace`, else the configuration's.
    public static func resolve(
        kubeconfig: String?, context: String?, namespace: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> KubeConnection {
        var connection: KubeConnection
        if let path = kubeconfig ?? environment["KUBECONFIG"].flatMap({ $0.split(separator: ":").first.map(String.init) }) {
            connection = try KubeConfigLoader.load(path: path, context: context)
        } else if environment["KUBERNETES_SERVICE_HOST"] != nil {
            connection = try inCluster(environment: environment)
        } else if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            connection = try KubeConfigLoader.load(path: home + "/.kube/config", context: context)
        } else {
            throw KubeConfigError("no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a cluster")
        }
        if let namespace { connection.namespace = namespace }
        return connection
    }
}
