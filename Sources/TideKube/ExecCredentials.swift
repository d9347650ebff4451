import Foundation
import Synchronization
import TideHTTP

/// Runs a kubeconfig's `exec` credential plugin (`client.authentication.k8s.io`
/// v1 or v1beta1) as kubectl does and keeps what it prints until it expires:
/// the plugin gets `KUBERNETES_EXEC_INFO` and the configured environment,
/// prints an `ExecCredential` whose status holds a token, or a client
/// certificate and key, and an optional expiry. A 401 makes the client ask
/// again (`invalidate`), as a token may be revoked before it expires.
public final class ExecCredentials: Sendable {
    /// What the plugin printed, decoded.
    public struct Credential: Sendable, Equatable {
        public var token: String?
        public var clientCertificate: Data?
        public var clientKey: Data?
        /// Seconds since 1970; nil when it does not expire.
        public var expiry: Double?
    }

    private let plugin: KubeConnection.ExecPlugin
    private let cached = Mutex<Credential?>(nil)

    public init(plugin: KubeConnection.ExecPlugin) {
        self.plugin = plugin
    }

    /// The credential, from the cache while it has more than 10 s to live, else from the plugin.
    public func credential() async throws(KubeAPIError) -> Credential {
        let now = Date().timeIntervalSince1970
        if let held = cached.withLock({ $0 }), held.expiry.map({ $0 - 10 > now }) ?? true { return held }
        let plugin = plugin
        let result = await withCheckedContinuation { continuation in
            // Waiting for a process blocks: a thread of its own, never the cooperative pool.
            Thread.detachNewThread { continuation.resume(returning: Result { () throws(KubeAPIError) in try Self.run(plugin) }) }
        }
        let fresh = try result.get()
        cached.withLock { $0 = fresh }
        return fresh
    }

    /// Forgets the credential (the server refused it).
    public func invalidate() { cached.withLock { $0 = nil } }

    static func run(_ plugin: KubeConnection.ExecPlugin) throws(KubeAPIError) -> Credential {
        func failure(_ message: String) -> KubeAPIError {
            KubeAPIError(code: 0, reason: nil, message: "the kubeconfig's exec credential plugin \(plugin.command) \(message)", request: "authentication")
        }
        let process = Process()
        if plugin.command.contains("/") {
            process.executableURL = URL(fileURLWithPath: plugin.command)
            process.arguments = plugin.arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [plugin.command] + plugin.arguments
        }
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in plugin.environment { environment[name] = value }
        environment["KUBERNETES_EXEC_INFO"] =
            #"{"apiVersion":"\#(plugin.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw failure("could not be run: \(error.localizedDescription)")
        }
        // Read before waiting: a plugin that fills the pipe would otherwise never exit.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let text = String(decoding: complaint.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw failure("exited with \(process.terminationStatus)\(text.isEmpty ? "" : ": \(text)")")
        }
        return try decode(printed, failure: failure)
    }

    static func decode(_ printed: Data, failure: (String) -> KubeAPIError) throws(KubeAPIError) -> Credential {
        struct Printed: Decodable {
            struct Status: Decodable {
                var token: String?
                var clientCertificateData: String?
                var clientKeyData: String?
                var expirationTimestamp: String?
            }

            var kind: String?
            var status: Status?
        }
        guard let decoded = try? JSONDecoder().decode(Printed.self, from: printed), decoded.kind == "ExecCredential",
            let status = decoded.status
        else { throw failure("did not print an ExecCredential") }
        let certificate = status.clientCertificateData.map { Data($0.utf8) }
        let key = status.clientKeyData.map { Data($0.utf8) }
        guard status.token != nil || (certificate != nil && key != nil) else {
            throw failure("printed an ExecCredential with neither a token nor a client certificate and key")
        }
        var expiry: Double?
        if let stamp = status.expirationTimestamp {
            guard let date = try? Date(stamp, strategy: .iso8601) else {
                throw failure("printed an expirationTimestamp that is not RFC 3339: \(stamp)")
            }
            expiry = date.timeIntervalSince1970
        }
        return Credential(token: status.token, clientCertificate: certificate, clientKey: key, expiry: expiry)
    }
}
