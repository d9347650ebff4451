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

    /// Where the API server is (`KubeConnection.resolve`).
    func kubeConnection(environment: [String: String]) throws -> KubeConnection {
        do {
            return try KubeConnection.resolve(
                kubeconfig: kubernetesOptions.kubeconfig, context: kubernetesOptions.kubeContext,
                namespace: kubernetesOptions.namespace, environment: environment)
        } catch {
            throw KubeConfigError("--backend kubernetes: \(error)")
        }
    }

    /// This replica's name in the Lease and in events: the pod's name where there is one.
    func replicaIdentity(environment: [String: String]) -> String {
        identity ?? environment["POD_NAME"] ?? environment["HOSTNAME"] ?? ProcessInfo.processInfo.hostName
    }
}
