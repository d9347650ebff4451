import Foundation
import Logging
import TideBackend
import TideKube
import TideKubeBackend
import TideLocalBackend

extension SchedulerCommand {
    /// The local backend: workers as processes under `tide-worker-shim`, records in `directory`.
    func makeLocalBackend(directory: String, logger: Logger) throws -> LocalBackend {
        let shim = LocalBackend.shimNextToExecutable()
        guard FileManager.default.isExecutableFile(atPath: shim.path) else {
            throw BackendError("the local backend needs tide-worker-shim next to the scheduler, at \(shim.path); build it with `swift build --product tide-worker-shim`")
        }
        return try LocalBackend(dataDirectory: URL(fileURLWithPath: directory), shim: shim, logger: logger)
    }

    /// Where the API server is: `--kubeconfig` (or `KUBECONFIG`), else the pod's
    /// service account, else `~/.kube/config`; the namespace from `--namespace`,
    /// else the configuration's.
    func kubeConnection(environment: [String: String]) throws -> KubeConnection {
        var connection: KubeConnection
        if let path = kubeconfig ?? environment["KUBECONFIG"].flatMap({ $0.split(separator: ":").first.map(String.init) }) {
            connection = try KubeConfigLoader.load(path: path, context: kubeContext)
        } else if environment["KUBERNETES_SERVICE_HOST"] != nil {
            connection = try KubeConnection.inCluster(environment: environment)
        } else if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            connection = try KubeConfigLoader.load(path: home + "/.kube/config", context: kubeContext)
        } else {
            throw KubeConfigError("--backend kubernetes: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a cluster")
        }
        if let namespace { connection.namespace = namespace }
        return connection
    }

    /// This replica's name in the Lease and in events: the pod's name where there is one.
    func replicaIdentity(environment: [String: String]) -> String {
        identity ?? environment["POD_NAME"] ?? environment["HOSTNAME"] ?? ProcessInfo.processInfo.hostName
    }
}
