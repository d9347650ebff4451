import Foundation
import Logging
import TideBackend
import TideKube

/// Workers as pods (SPEC "Cluster backends", `kubernetes`): each worker is a
/// pod of the job's template with `schedulerName: tide`, created and then
/// bound to the placement's node with `pods/binding`; the device plugin picks
/// its GPUs. Exits come from a watch of Tide's pods of this GPU type.
///
/// The pods themselves are the durable record: a pod that ended stays until
/// the scheduler has recorded its exit (`forget` labels it), so an exit is
/// never lost when the scheduler dies, and its logs stay readable.
public actor KubernetesBackend: ClusterBackend {
    public struct Configuration: Sendable {
        public var namespace: String
        public var accelerator: String
        /// Seconds past a stop's grace period after which the pod is deleted at once, then
        /// how long more before `stop` gives up.
        public var forceAfter: Duration = .seconds(5)
        public var giveUpAfter: Duration = .seconds(60)
        /// Names this replica in the events it posts.
        public var instance: String
        /// The node label naming GPU types; workers tolerate `<key>=<accelerator>:NoSchedule`.
        public var labelKey = WorkerPod.acceleratorLabel

        public init(namespace: String, accelerator: String, instance: String) {
            self.namespace = namespace
            self.accelerator = accelerator
            self.instance = instance
        }
    }

    /// Set on a pod whose exit the scheduler has recorded: `adopt` passes over it.
    public static let recordedLabel = "tide/exit-recorded"

    nonisolated public let exits: AsyncStream<WorkerExit>
    let sink: AsyncStream<WorkerExit>.Continuation
    let client: KubeClient
    let configuration: Configuration
    let events: KubeEventRecorder
    let logger: Logger
    let clock: @Sendable () -> Double

    /// Tide's pods of this GPU type, by name, as the watch last showed them.
    var pods: [String: KubePod] = [:]
    private var synced = false
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    /// Pods whose end has been reported (or will be, by `adopt`).
    var reported: Set<String> = []
    /// Pods Tide asked to stop: their ends are marked requested.
    var stopping: Set<String> = []
    /// Pods seen deleted, by uid (a name comes back when a worker starts again), and who
    /// waits for that.
    private var deleted: Set<String> = []
    private var deletionWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var tasks: [Task<Void, Never>] = []
    /// Each MPIJob's worker replicas as Tide last set them, by MPIJob name.
    var mpiReplicas: [String: Int] = [:]
    /// Worker indices being stopped, by MPIJob name.
    var mpiStopping: [String: Set<Int>] = [:]

    public init(
        client: KubeClient, configuration: Configuration, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        events = KubeEventRecorder(client: client, namespace: configuration.namespace, instance: configuration.instance)
        (exits, sink) = AsyncStream.makeStream(of: WorkerExit.self)
    }

    /// The selector of Tide's worker pods of this GPU type.
    public var podSelector: String {
        "\(WorkerPod.acceleratorLabel)=\(configuration.accelerator),\(WorkerPod.jobLabel),\(WorkerPod.runLabel)"
    }

    // MARK: ClusterBackend

    public func adopt() async throws -> Adoption {
        startWatching()
        await waitUntilSynced()
        var adoption = Adoption()
        for (name, pod) in pods.sorted(by: { $0.key < $1.key }) {
            if pod.metadata.labels?[Self.recordedLabel] != nil { continue }
            let ended = endings(of: pod, deleted: false)
            if !ended.isEmpty {
                adoption.missedExits += ended
                continue
            }
            guard let id = PodOutcome.worker(of: pod), PodOutcome.status(of: pod) == nil else { continue }
            if pod.metadata.deletionTimestamp != nil {
                // Being deleted: a stop the last scheduler asked for and did not see through.
                // Not running (its run is started over); its end comes as requested.
                stopping.insert(name)
            } else if let node = pod.spec?.nodeName, !node.isEmpty {
                adoption.running.append(
                    RunningWorker(
                        launch: WorkerLaunch(id: id, workerCount: 0, node: node, gpus: [], command: []), pid: 0,
                        startedAt: clock()))
            } else if pod.metadata.labels?[MPIJobManifest.roleLabel] == nil {
                // Created, never bound: the scheduler died between the two. Its run starts over.
                // (An MPI operator's unbound pod is the operator's to remove, with its MPIJob.)
                stopping.insert(name)
                try await client.deletePod(name, namespace: configuration.namespace, graceSeconds: 0)
            }
        }
        return adoption
    }

    public func start(_ launch: WorkerLaunch) async throws {
        startWatching()
        if launch.container?.mpiJob != nil {
            try await startMPIWorker(launch)
            return
        }
        var pod = try WorkerPod(launch: launch, namespace: configuration.namespace, terminationGraceSeconds: 30)
        pod.acceleratorKey = configuration.labelKey
        let name = WorkerPod.name(of: launch.id)
        do {
            try await client.create(pod)
        } catch let error as KubeAPIError where error.code >= 400 {
            // 400 and 422: the API server found the pod invalid, which is the job's template's doing
            // (its message is the job's); anything else is the cluster's, said in full (403: see RBAC).
            let blamesJob = error.code == 400 || error.code == 422
            throw BackendError("the API server refused the pod \(name): \(blamesJob ? error.message : "\(error)")", blamesJob: blamesJob)
        } catch {
            // No answer (cancelled, timed out, the connection lost): the pod may have been created.
            await deleteUnbound(name)
            if let error = error as? KubeAPIError {
                throw BackendError("the API server did not answer the creation of the pod \(name): \(error)", blamesJob: false)
            }
            throw error
        }
        if stopping.contains(name) {
            // Stopped while its create was under way: the stop's delete found nothing.
            await deleteUnbound(name)
            throw BackendError("the worker \(name) was stopped while its pod was being created", blamesJob: false)
        }
        do {
            try await bind(name, to: launch.node, as: "worker \(launch.id.index + 1) of \(launch.workerCount)")
        } catch {
            await deleteUnbound(name)
            throw error
        }
    }

    /// Deletes a pod this replica created and did not bind. Nothing else binds pods whose
    /// scheduler is Tide: left there, it would stay Pending for ever. In a task of its own, so a
    /// start cancelled between the create and the bind cleans up too.
    private func deleteUnbound(_ name: String) async {
        stopping.insert(name)
        let (client, namespace, logger) = (self.client, configuration.namespace, logger)
        await Task {
            do {
                // A pod already gone is no error: `deletePod` returns on 404.
                try await client.deletePod(name, namespace: namespace, graceSeconds: 0)
            } catch {
                logger.warning("could not delete an unbound worker pod", metadata: ["pod": "\(name)", "error": "\(error)"])
            }
        }.value
    }

    /// Binds a pod to its node and says so in an event on the pod.
    func bind(_ pod: String, to node: String, as role: String) async throws {
        do {
            try await client.bind(pod: pod, namespace: configuration.namespace, to: node)
        } catch let error as KubeAPIError {
            throw BackendError("could not bind the pod \(pod) to node \(node): \(error)", blamesJob: false)
        }
        events.record(
            KubeEvent(object: .pod(pod), reason: "Scheduled", message: "Scheduled to node \(node) by tide (\(role))", time: clock()))
    }

    public func stop(_ worker: WorkerID, grace: Duration) async throws {
        let mpi = isMPI(worker)
        let name = mpi ? MPIJobManifest.workerPod(job: worker.job, run: worker.run, index: worker.index) : WorkerPod.name(of: worker)
        // Marked before anything is deleted: whatever ends the pod from now on, Tide asked for it.
        stopping.insert(name)
        // The pod this stop waits for; nil when the watch has not seen it yet.
        let uid = pods[name]?.metadata.uid
        if mpi { try await releaseMPIWorker(worker) }
        let graceSeconds = Int((Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18).rounded(.up))
        do {
            try await client.deletePod(name, namespace: configuration.namespace, graceSeconds: graceSeconds)
            let began = ContinuousClock.now
            var forced = graceSeconds == 0
            var pause = Duration.milliseconds(50)
            while try await !isGone(name, uid: uid) {
                let waited = ContinuousClock.now - began
                if !forced && waited > grace + configuration.forceAfter {
                    logger.warning("pod outlived its grace period; deleting it now", metadata: ["pod": "\(name)"])
                    try await client.deletePod(name, namespace: configuration.namespace, graceSeconds: 0)
                    forced = true
                }
                if waited > grace + configuration.giveUpAfter {
                    throw BackendError("the pod \(name) is still there \(waited) after its deletion", blamesJob: false)
                }
                await waitForDeletion(of: name, uid: uid, upTo: pause)
                pause = min(pause * 2, .seconds(2))
            }
        } catch let error as KubeAPIError {
            throw BackendError("could not delete the pod \(name): \(error)", blamesJob: false)
        }
    }

    public func forget(_ worker: WorkerID) async throws {
        // An MPIJob's workers end with its launcher: that pod carries the record.
        let name = isMPI(worker) ? MPIJobManifest.launcherPod(job: worker.job, run: worker.run) : WorkerPod.name(of: worker)
        guard let pod = pods[name], PodOutcome.status(of: pod) != nil, pod.metadata.labels?[Self.recordedLabel] == nil
        else { return }
        let patch = Data(#"{"metadata":{"labels":{"\#(Self.recordedLabel)":"true"}}}"#.utf8)
        do {
            _ = try await client.send(
                "PATCH", "\(KubeClient.podsPath(configuration.namespace))/\(name)", body: patch,
                contentType: "application/merge-patch+json")
        } catch let error as KubeAPIError where error.isNotFound {
            return
        }
    }

    public nonisolated func recordJobEvent(job: String, reason: String, message: String, warning: Bool) {
        events.record(KubeEvent(object: .trainingJob(job), reason: reason, message: message, warning: warning, time: Date().timeIntervalSince1970))
    }

    /// Stops watching and posting events.
    public func shutdown() {
        for task in tasks { task.cancel() }
        tasks = []
        events.finish()
        sink.finish()
    }

    // MARK: The watch

    private func startWatching() {
        guard tasks.isEmpty else { return }
        let reflector = KubeReflector<KubePod>(
            client: client, path: KubeClient.podsPath(configuration.namespace), labelSelector: podSelector)
        let logger = logger
        tasks.append(
            Task {
                await reflector.run(
                    { update in await self.apply(update) },
                    failed: { error in logger.warning("pod watch failed; resuming", metadata: ["error": "\(error)"]) })
            })
        let events = events
        tasks.append(
            Task {
                await events.run { event, error in
                    if error is CancellationError { return }
                    logger.warning("could not post an event", metadata: ["reason": "\(event.reason)", "error": "\(error)"])
                }
            })
    }

    private func apply(_ update: KubeReflector<KubePod>.Update) {
        switch update {
        case .replaced(let items):
            let fresh = Dictionary(items.map { ($0.metadata.name, $0) }, uniquingKeysWith: { $1 })
            if !synced {
                // The first list is `adopt`'s: the ends in it go out as missed exits, not here.
                pods = fresh
                reported.formUnion(fresh.filter { PodOutcome.status(of: $0.value) != nil }.keys)
                synced = true
                for waiter in syncWaiters { waiter.resume() }
                syncWaiters = []
                return
            }
            let vanished = pods.filter { fresh[$0.key] == nil }
            pods = fresh
            for (_, pod) in vanished.sorted(by: { $0.key < $1.key }) { gone(pod) }
            for (_, pod) in fresh.sorted(by: { $0.key < $1.key }) { observe(pod) }
        case .upserted(let pod):
            pods[pod.metadata.name] = pod
            deleteIfStoppedBeforeCreated(pod)
            observe(pod)
        case .deleted(let pod):
            pods[pod.metadata.name] = nil
            gone(pod)
        }
    }

    /// A worker pod Tide was asked to stop, seen unbound: its create reached the API server after
    /// the stop's delete found nothing (a gang rolled back while its creates were in flight).
    /// Nobody will bind it, so it goes now instead of staying Pending for ever.
    private func deleteIfStoppedBeforeCreated(_ pod: KubePod) {
        let name = pod.metadata.name
        guard stopping.contains(name), pod.spec?.nodeName?.isEmpty ?? true, pod.metadata.deletionTimestamp == nil,
            pod.metadata.labels?[MPIJobManifest.roleLabel] == nil
        else { return }
        Task { await deleteUnbound(name) }
    }

    /// Reports the end of a pod seen ending (once).
    private func observe(_ pod: KubePod) {
        let name = pod.metadata.name
        guard !reported.contains(name) else { return }
        let ended = endings(of: pod, deleted: false)
        guard !ended.isEmpty else { return }
        reported.insert(name)
        for exit in ended { sink.yield(exit) }
    }

    /// A pod is gone: its waiters go on, and its end is reported if it was not seen before.
    private func gone(_ pod: KubePod) {
        let name = pod.metadata.name
        if !reported.contains(name) {
            for exit in endings(of: pod, deleted: true) { sink.yield(exit) }
        }
        reported.remove(name)
        stopping.remove(name)
        deleted.insert(pod.metadata.uid ?? name)
        if deleted.count > 10_000 { deleted.removeAll() }
        for waiter in deletionWaiters.removeValue(forKey: name) ?? [] { waiter.resume() }
    }

    /// The worker exits a pod's state means: none while it runs; one for a worker's pod
    /// that ended (or was deleted); for an MPIJob, every worker's on its launcher's
    /// success, worker 0's on its failure, and from a worker's pod only a refusal, a
    /// failure to start, or the end of a stop Tide asked for (the operator removes the
    /// workers itself once the launcher is done).
    func endings(of pod: KubePod, deleted: Bool) -> [WorkerExit] {
        let name = pod.metadata.name
        let requested = stopping.contains(name)
        let endedAt = PodOutcome.endedAt(pod) ?? clock()
        if let (job, run) = PodOutcome.launcher(of: pod) {
            guard !requested, let status = PodOutcome.status(of: pod) else { return [] }
            if status == .exited(0) {
                return mpiWorkerIndices(job: job, run: run).map {
                    WorkerExit(id: WorkerID(job: job, run: run, index: $0), status: status, requested: false, endedAt: endedAt)
                }
            }
            return [WorkerExit(id: WorkerID(job: job, run: run, index: 0), status: status, requested: false, endedAt: endedAt)]
        }
        guard let id = PodOutcome.worker(of: pod) else { return [] }
        if pod.metadata.labels?[MPIJobManifest.roleLabel] == "worker" {
            if requested {
                return deleted ? [WorkerExit(id: id, status: PodOutcome.statusOfDeleted(pod, requested: true), requested: true, endedAt: endedAt)] : []
            }
            switch PodOutcome.status(of: pod) {
            case let status? where status.isRefusal || status.isFailedStart:
                return [WorkerExit(id: id, status: status, requested: false, endedAt: endedAt)]
            default:
                return []
            }
        }
        if deleted {
            return [WorkerExit(id: id, status: PodOutcome.statusOfDeleted(pod, requested: requested), requested: requested, endedAt: endedAt)]
        }
        guard let status = PodOutcome.status(of: pod) else { return [] }
        return [WorkerExit(id: id, status: status, requested: requested, endedAt: endedAt)]
    }

    private func waitUntilSynced() async {
        if synced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    /// Gone for the watch, or for the API server (the watch may lag): the pod of that
    /// `uid` when known, else the one of that name.
    func isGone(_ name: String, uid: String?) async throws -> Bool {
        if deleted.contains(uid ?? name) { return true }
        do {
            let found = try await client.send("GET", "\(KubeClient.podsPath(configuration.namespace))/\(name)")
            // Another pod of the same name: the one waited for is gone.
            guard let uid, let other = try? JSONDecoder().decode(KubePod.self, from: found).metadata.uid else { return false }
            return other != uid
        } catch let error as KubeAPIError where error.isNotFound {
            return true
        }
    }

    /// Returns when the watch sees `name` deleted, or after `limit`.
    func waitForDeletion(of name: String, uid: String?, upTo limit: Duration) async {
        if deleted.contains(uid ?? name) { return }
        let timer = Task {
            try? await Task.sleep(for: limit)
            self.wakeDeletionWaiters(of: name)
        }
        await withCheckedContinuation { deletionWaiters[name, default: []].append($0) }
        timer.cancel()
    }

    private func wakeDeletionWaiters(of name: String) {
        for waiter in deletionWaiters.removeValue(forKey: name) ?? [] { waiter.resume() }
    }
}

extension WorkerExit.Status {
    var isRefusal: Bool {
        if case .refused = self { return true }
        return false
    }

    var isFailedStart: Bool {
        if case .failedToStart = self { return true }
        return false
    }
}
