import Foundation

/// How a request proves the server is who it says and, optionally, who we are:
/// the Kubernetes API server's CA and client certificates, from files or bytes.
public struct TLSSettings: Sendable, Equatable {
    /// PEM given by a file (read by libcurl at each connection) or inline.
    public enum PEM: Sendable, Equatable {
        case file(String)
        case data(Data)
    }

    /// The CA that signs the server's certificate; nil for the system's.
    public var certificateAuthority: PEM?
    /// A client certificate and its key, both or neither.
    public var clientCertificate: PEM?
    public var clientKey: PEM?
    /// No verification of the server at all (`insecure-skip-tls-verify`).
    public var insecureSkipVerify: Bool

    public init(certificateAuthority: PEM? = nil, clientCertificate: PEM? = nil, clientKey: PEM? = nil, insecureSkipVerify: Bool = false) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.insecureSkipVerify = insecureSkipVerify
    }
}
