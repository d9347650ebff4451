import Foundation
import TideBackend

/// How a worker pod ended, or why it never will run, as a worker exit. Pure.
///
/// Kubernetes says it in several places: the pod's phase, a pod-level reason
/// that the kubelet sets when it refuses or evicts a pod (`OutOfnvidia.com/gpu`,
/// `UnexpectedAdmissionError`, `Evicted`...), and the worker container's state.
public enum PodOutcome {
    /// The name of the worker container in Tide's pods.
    public static let container = "worker"

    /// Container waits that only the job can fix: its image or configuration is wrong.
    /// (`ErrImagePull` comes first and may be a registry's hiccup; the kubelet retries
    /// it once and then says `ImagePullBackOff`.)
    public static let fatalWaits: Set<String> = [
        "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError",
    ]

    /// The exit status of `pod` if it has ended or cannot start, else nil (still pending or running).
    public static func status(of pod: KubePod) -> WorkerExit.Status? {
        let worker = mainContainer(pod)
        switch pod.status?.phase {
        case "Succeeded":
            return .exited(0)
        case "Failed":
            if let reason = pod.status?.reason, reason != "DeadlineExceeded" {
                // Refused at admission or evicted: the node's doing, not the job's.
                return .refused(describe(reason, pod.status?.message))
            }
            if let terminated = worker?.state?.terminated {
                if let signal = terminated.signal, signal != 0 { return .signaled(signal) }
                return .exited(terminated.exitCode)
            }
            if pod.status?.reason == "DeadlineExceeded" { return .signaled(9) }
            return .refused(describe("the pod failed before its container ran", pod.status?.message))
        default:
            if let waiting = worker?.state?.waiting, let reason = waiting.reason, fatalWaits.contains(reason) {
                return .failedToStart(describe(reason, waiting.message))
            }
            return nil
        }
    }

    /// The status of a pod deleted before it was seen to end: a stop Tide asked for, or
    /// an eviction or removal by someone else (not the job's failure either way).
    public static func statusOfDeleted(_ pod: KubePod, requested: Bool) -> WorkerExit.Status {
        if let ended = status(of: pod) { return ended }
        return requested
            ? .signaled(15) : .refused("its pod was deleted before it ended (evicted, drained or removed outside Tide)")
    }

    /// When the worker container ended, if the pod says.
    public static func endedAt(_ pod: KubePod) -> Double? {
        let text = mainContainer(pod)?.state?.terminated?.finishedAt
        return text.flatMap { try? Date($0, strategy: .iso8601) }?.timeIntervalSince1970
    }

    /// The worker a Tide pod runs, from its labels; nil for pods Tide did not make.
    public static func worker(of pod: KubePod) -> WorkerID? {
        let labels = pod.metadata.labels ?? [:]
        guard let job = labels[WorkerPod.jobLabel], let run = labels[WorkerPod.runLabel].flatMap({ Int($0) }) else { return nil }
        if let index = labels[WorkerPod.indexLabel].flatMap({ Int($0) }) {
            return WorkerID(job: job, run: run, index: index)
        }
        // An MPI operator's worker pod: `<mpijob>-worker-<index>`, its replica index.
        let prefix = MPIJobManifest.name(job: job, run: run) + "-worker-"
        guard labels[MPIJobManifest.roleLabel] == "worker", pod.metadata.name.hasPrefix(prefix),
            let index = Int(pod.metadata.name.dropFirst(prefix.count))
        else { return nil }
        return WorkerID(job: job, run: run, index: index)
    }

    /// The job and run of an MPI operator's launcher pod that Tide's MPIJob made.
    public static func launcher(of pod: KubePod) -> (job: String, run: Int)? {
        let labels = pod.metadata.labels ?? [:]
        guard labels[MPIJobManifest.roleLabel] == "launcher", let job = labels[WorkerPod.jobLabel],
            let run = labels[WorkerPod.runLabel].flatMap({ Int($0) })
        else { return nil }
        return (job, run)
    }

    /// Tide's `worker` container, else the first (an MPI operator's pods name theirs).
    private static func mainContainer(_ pod: KubePod) -> KubePod.Status.ContainerStatus? {
        let statuses = pod.status?.containerStatuses ?? []
        return statuses.first { $0.name == container } ?? statuses.first
    }

    private static func describe(_ reason: String, _ message: String?) -> String {
        guard let message, !message.isEmpty else { return reason }
        return "\(reason): \(message)"
    }
}
