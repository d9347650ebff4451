import Foundation
import TideBackend
import TideKube

/// Voda's MPIJobs (SPEC "Jobs"): a run is an MPIJob `<job>-r<run>` whose
/// `Worker.replicas` is the run's worker count; Kubeflow's MPI operator makes
/// the launcher and the worker pods, and Tide binds the workers (they carry
/// `schedulerName: tide`) to the placement's nodes. A live resize scales the
/// replicas, as Voda does: up for new workers, down when the highest ones
/// stop (the operator removes from the top). The launcher's end is the run's.
extension KubernetesBackend {
    /// Whether `worker` belongs to an MPIJob run this backend made or sees.
    func isMPI(_ worker: WorkerID) -> Bool {
        let name = MPIJobManifest.name(job: worker.job, run: worker.run)
        return mpiReplicas[name] != nil || pods[MPIJobManifest.launcherPod(job: worker.job, run: worker.run)] != nil
            || pods[MPIJobManifest.workerPod(job: worker.job, run: worker.run, index: worker.index)] != nil
    }

    /// The run's workers: as many as Tide last asked for, else as many as the operator made.
    func mpiWorkerIndices(job: String, run: Int) -> [Int] {
        if let count = mpiReplicas[MPIJobManifest.name(job: job, run: run)] { return Array(0..<count) }
        let indices = pods.values.compactMap { pod -> Int? in
            guard let id = PodOutcome.worker(of: pod), id.job == job, id.run == run else { return nil }
            return id.index
        }
        return Array(0..<((indices.max() ?? 0) + 1))
    }

    /// Creates the run's MPIJob (or scales it up to this worker), waits for the operator's pod, binds it.
    func startMPIWorker(_ launch: WorkerLaunch) async throws {
        var manifest = try MPIJobManifest(launch: launch, namespace: configuration.namespace)
        manifest.acceleratorKey = configuration.labelKey
        let name = MPIJobManifest.name(job: manifest.job, run: manifest.run)
        // A worker index stopped earlier in this run and started again (a shrink, then a
        // growth) is no longer stopping: a later shrink must not scale down past it.
        mpiStopping[name]?.remove(launch.id.index)
        if mpiReplicas[name] == nil {
            mpiReplicas[name] = max(manifest.workerCount, launch.id.index + 1)
            do {
                _ = try await client.send("POST", MPIJobManifest.path(namespace: configuration.namespace), body: try manifest.json())
            } catch let error as KubeAPIError where error.isConflict {
                // Made already (a retried start, or before a restart): scaled below if it must grow.
            } catch let error as KubeAPIError {
                mpiReplicas[name] = nil
                let hint = error.code == 404 ? " (is Kubeflow's MPI operator installed? kubeflow.org/v1 MPIJobs are not served)" : ""
                throw BackendError(
                    "the API server refused the MPIJob \(name): \(error.message)\(hint)",
                    blamesJob: error.code == 400 || error.code == 422)
            }
        }
        try await scaleMPIJob(name, toAtLeast: launch.id.index + 1)
        let pod = MPIJobManifest.workerPod(job: manifest.job, run: manifest.run, index: launch.id.index)
        try await waitForPod(pod)
        try await bind(pod, to: launch.node, as: "worker \(launch.id.index + 1) of MPIJob \(name)")
    }

    /// A worker of an MPIJob stops: the replicas come down past every stopping worker at
    /// the top, and the MPIJob goes when all of them stop.
    func releaseMPIWorker(_ worker: WorkerID) async throws {
        let name = MPIJobManifest.name(job: worker.job, run: worker.run)
        mpiStopping[name, default: []].insert(worker.index)
        let replicas = mpiReplicas[name] ?? mpiWorkerIndices(job: worker.job, run: worker.run).count
        var top = replicas
        while top > 0 && mpiStopping[name, default: []].contains(top - 1) { top -= 1 }
        if top == 0 {
            mpiReplicas[name] = 0
            // The launcher goes with the MPIJob: its end is not the run's.
            stopping.insert(MPIJobManifest.launcherPod(job: worker.job, run: worker.run))
            do {
                _ = try await client.send(
                    "DELETE", "\(MPIJobManifest.path(namespace: configuration.namespace))/\(name)",
                    query: ["propagationPolicy": "Background"])
            } catch let error as KubeAPIError where error.isNotFound {
                // Gone already.
            }
        } else if top < replicas {
            mpiReplicas[name] = top
            do {
                try await patchReplicas(name, top)
            } catch where mpiReplicas[name] == 0 {
                // The other workers stopped meanwhile and the MPIJob went: nothing is left to scale.
            }
        }
    }

    /// Raises the MPIJob's worker replicas to `count` if lower; concurrent raises end at the highest.
    private func scaleMPIJob(_ name: String, toAtLeast count: Int) async throws {
        guard let current = mpiReplicas[name], current < count else { return }
        mpiReplicas[name] = count
        var written = 0
        // Two patches in flight may land in either order: write again until the last one is the wish.
        while let wanted = mpiReplicas[name], written != wanted, wanted > 0 {
            try await patchReplicas(name, wanted)
            written = wanted
        }
    }

    private func patchReplicas(_ name: String, _ count: Int) async throws {
        let patch = Data(#"{"spec":{"mpiReplicaSpecs":{"Worker":{"replicas":\#(count)}}}}"#.utf8)
        do {
            _ = try await client.send(
                "PATCH", "\(MPIJobManifest.path(namespace: configuration.namespace))/\(name)", body: patch,
                contentType: "application/merge-patch+json")
        } catch let error as KubeAPIError {
            throw BackendError("could not scale the MPIJob \(name) to \(count) workers: \(error)", blamesJob: false)
        }
    }

    /// Returns once the operator has made `name` (the watch, or the API server, shows it).
    private func waitForPod(_ name: String) async throws {
        var checks = 0
        while pods[name] == nil {
            try Task.checkCancellation()
            checks += 1
            if checks % 20 == 0, try await !isGone(name, uid: nil) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
