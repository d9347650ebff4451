import Foundation
import TideAPI
import TideKube

/// Workers' output on Kubernetes: the `worker` container's log of the job's
/// pods (labelled `tide/job`, `tide/worker-index`, `tide/run`). The log API
/// has no byte offset, so each read fetches the log (at most `limitBytes`,
/// its end) and returns what lies past `offset`.
struct PodLogs: WorkerLogSource {
    let client: KubeClient
    let namespace: String
    var limitBytes = 8 << 20

    func latestRun(job: String, worker index: Int) async throws -> Int? {
        let (pods, _): ([KubePod], String) = try await client.list(
            KubeClient.podsPath(namespace),
            labelSelector: "\(WorkerPod.jobLabel)=\(job),\(WorkerPod.indexLabel)=\(index),\(WorkerPod.runLabel)")
        // A pod not yet on a node has no log.
        return pods.filter { $0.spec?.nodeName?.isEmpty == false }.compactMap { PodOutcome.worker(of: $0)?.run }.max()
    }

    func output(job: String, worker index: Int, run: Int, from offset: UInt64) async throws -> Data {
        let name = WorkerPod.name(of: .init(job: job, run: run, index: index))
        let log: Data
        do {
            log = try await client.podLog(name, namespace: namespace, container: PodOutcome.container, limitBytes: limitBytes)
        } catch let error as KubeAPIError where error.isNotFound || error.code == 400 {
            // Gone, or its container has not started: nothing to read yet.
            return Data()
        }
        return offset < UInt64(log.count) ? log.subdata(in: Int(offset)..<log.count) : Data()
    }
}
