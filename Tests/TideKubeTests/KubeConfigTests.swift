import Foundation
import TideKube
import Testing

@Suite struct KubeConfigTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    @Test func theCurrentContextsClusterUserAndNamespace() throws {
        _ = try write("ca.crt", "CA")
        let path = try write(
            "config",
            """
            apiVersion: v1
            kind: Config
            current-context: gpu
            clusters:
            - name: prod
              cluster: {server: "https://10.0.0.1:6443/", certificate-authority: ca.crt}
            - name: other
              cluster: {server: "https://other:6443"}
            users:
            - name: alice
              user: {token: abc123}
            contexts:
            - name: gpu
              context: {cluster: prod, user: alice, namespace: training}
            - name: elsewhere
              context: {cluster: other, user: alice}
            """)
        let connection = try KubeConfigLoader.load(path: path)
        #expect(connection.server == "https://10.0.0.1:6443")
        #expect(connection.certificateAuthority == .file(folder.appendingPathComponent("ca.crt").path))
        #expect(connection.credentials == .token("abc123"))
        #expect(connection.namespace == "training")
        let other = try KubeConfigLoader.load(path: path, context: "elsewhere")
        #expect(other.server == "https://other:6443" && other.namespace == "default" && other.certificateAuthority == nil)
    }

    @Test func inlineCertificatesAndAnExecPlugin() throws {
        let ca = Data("CA PEM".utf8).base64EncodedString()
        let certificate = Data("CERT".utf8).base64EncodedString()
        let key = Data("KEY".utf8).base64EncodedString()
        let path = try write(
            "config",
            """
            current-context: a
            clusters: [{name: c, cluster: {server: "https://k:443", certificate-authority-data: \(ca)}}]
            users:
            - {name: certs, user: {client-certificate-data: \(certificate), client-key-data: \(key)}}
            - name: cloud
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: gke-gcloud-auth-plugin
                  args: ["--verbose"]
                  env: [{name: CLOUDSDK_CORE_PROJECT, value: gpus}]
            contexts:
            - {name: a, context: {cluster: c, user: certs}}
            - {name: b, context: {cluster: c, user: cloud}}
            """)
        let a = try KubeConfigLoader.load(path: path)
        #expect(a.certificateAuthority == .data(Data("CA PEM".utf8)))
        #expect(a.credentials == .clientCertificate(certificate: .data(Data("CERT".utf8)), key: .data(Data("KEY".utf8))))
        let b = try KubeConfigLoader.load(path: path, context: "b")
        #expect(
            b.credentials
                == .exec(.init(command: "gke-gcloud-auth-plugin", arguments: ["--verbose"], environment: ["CLOUDSDK_CORE_PROJECT": "gpus"],
                               apiVersion: "client.authentication.k8s.io/v1beta1")))
    }

    @Test(arguments: [
        ("users: [{name: u, user: {client-certificate: missing.crt, client-key: missing.key}}]", "client-certificate"),
        ("users: [{name: u, user: {tokenFile: /nonexistent/token}}]", "tokenFile /nonexistent/token does not exist"),
        ("users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]", "has a client-certificate but no client-key"),
        ("users: [{name: other, user: {}}]", "no user named 'u' (it has other)"),
    ])
    func aBrokenUserIsNamedWithWhatIsWrong(users: String, expected: String) throws {
        let path = try write(
            "config",
            """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://k"}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            \(users)
            """)
        #expect(throws: KubeConfigError.self) { try KubeConfigLoader.load(path: path) }
        do {
            _ = try KubeConfigLoader.load(path: path)
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test func aMissingFileOrContextIsNamed() throws {
        #expect(throws: KubeConfigError("kubeconfig /nonexistent/config does not exist or cannot be read")) {
            try KubeConfigLoader.load(path: "/nonexistent/config")
        }
        let path = try write("config", "clusters: []\n")
        #expect(throws: KubeConfigError("kubeconfig \(path) has no current-context; name one with --kube-context")) {
            try KubeConfigLoader.load(path: path)
        }
    }

    @Test func inClusterReadsTheServiceAccount() throws {
        _ = try write("token", "t0k3n")
        _ = try write("ca.crt", "CA")
        _ = try write("namespace", "tide\n")
        let connection = try KubeConnection.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: folder.path)
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.credentials == .tokenFile(folder.appendingPathComponent("token").path))
        #expect(connection.namespace == "tide")
        #expect(throws: KubeConfigError.self) { try KubeConnection.inCluster(environment: [:], directory: folder.path) }
    }
}
