import Foundation
import Logging
import ServiceLifecycle
import TideKube

/// Where the mirror writes what it sees: the `nodes` collection, for the
/// scheduler's rounds and `cmd get nodes`.
public protocol NodeOfferSink: Sendable {
    /// Makes `offers` the nodes of `accelerator`: each written, and the type's other nodes removed.
    func replaceNodes(accelerator: String, offers: [KubeCapacity.Offer]) async throws
}

/// Mirrors one GPU type's capacity from the cluster into the `nodes`
/// collection (SPEC: "Nodes are mirrored into `nodes`"): nodes labelled
/// `<labelKey>=<accelerator>`, with their allocatable `nvidia.com/gpu` minus
/// what every other unfinished pod requests there, Ready and uncordoned as
/// schedulable. It watches all nodes and pods, writes when the offers change
/// (changes closer than `settle` are written together), and calls `changed`
/// so the scheduler runs a round.
public struct NodeMirror: Service {
    public var client: KubeClient
    public var accelerator: String
    public var labelKey: String
    public var sink: any NodeOfferSink
    public var settle: Duration = .milliseconds(100)
    /// How long one watch stays open before the next (the API server's `timeoutSeconds`).
    public var watchSeconds = 300
    public var logger: Logger
    public var changed: @Sendable () -> Void

    public init(
        client: KubeClient, accelerator: String, labelKey: String, sink: any NodeOfferSink, logger: Logger,
        changed: @escaping @Sendable () -> Void
    ) {
        self.client = client
        self.accelerator = accelerator
        self.labelKey = labelKey
        self.sink = sink
        self.logger = logger
        self.changed = changed
    }

    public func run() async throws {
        let view = ClusterView()
        let (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let logger = logger
        await withDiscardingTaskGroup { group in
            group.addTask {
                var nodes = KubeReflector<KubeNode>(client: client, path: "/api/v1/nodes")
                nodes.watchSeconds = watchSeconds
                await nodes.run(
                    { update in
                        await view.apply(update)
                        wake.yield()
                    },
                    failed: { logger.warning("node watch failed; resuming", metadata: ["error": "\($0)"]) })
            }
            group.addTask {
                var pods = KubeReflector<KubePod>(client: client, path: "/api/v1/pods")
                pods.watchSeconds = watchSeconds
                await pods.run(
                    { update in
                        await view.apply(update)
                        wake.yield()
                    },
                    failed: { logger.warning("pod watch failed; resuming", metadata: ["error": "\($0)"]) })
            }
            group.addTask { await write(view, wakeUps) }
            try? await gracefulShutdown()
            wake.finish()
            group.cancelAll()
        }
    }

    /// Writes the offers whenever they change, once both lists have been read.
    private func write(_ view: ClusterView, _ wakeUps: AsyncStream<Void>) async {
        var written: [KubeCapacity.Offer]?
        var reported: Set<String> = []
        for await _ in wakeUps {
            try? await Task.sleep(for: settle)
            guard let (offers, problems) = await view.offers(labelKey: labelKey, accelerator: accelerator) else { continue }
            for problem in problems where !reported.contains(problem.description) {
                logger.warning("node left out", metadata: ["problem": "\(problem)"])
            }
            reported = Set(problems.map(\.description))
            guard offers != written else { continue }
            while !Task.isCancelled {
                do {
                    try await sink.replaceNodes(accelerator: accelerator, offers: offers)
                    written = offers
                    changed()
                    break
                } catch {
                    logger.warning("could not write the nodes; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}

/// The nodes and pods the mirror has seen.
actor ClusterView {
    private var nodes: [String: KubeNode] = [:]
    private var pods: [String: KubePod] = [:]
    private var nodesListed = false
    private var podsListed = false

    func apply(_ update: KubeReflector<KubeNode>.Update) {
        switch update {
        case .replaced(let items):
            nodes = Dictionary(items.map { ($0.objectKey, $0) }, uniquingKeysWith: { $1 })
            nodesListed = true
        case .upserted(let node): nodes[node.objectKey] = node
        case .deleted(let node): nodes[node.objectKey] = nil
        }
    }

    func apply(_ update: KubeReflector<KubePod>.Update) {
        switch update {
        case .replaced(let items):
            pods = Dictionary(items.map { ($0.objectKey, $0) }, uniquingKeysWith: { $1 })
            podsListed = true
        case .upserted(let pod): pods[pod.objectKey] = pod
        case .deleted(let pod): pods[pod.objectKey] = nil
        }
    }

    /// The offers, or nil until both collections have been listed.
    func offers(labelKey: String, accelerator: String) -> (offers: [KubeCapacity.Offer], problems: [KubeNodeError])? {
        guard nodesListed, podsListed else { return nil }
        return KubeCapacity.offers(
            nodes: Array(nodes.values), pods: Array(pods.values), labelKey: labelKey, accelerator: accelerator)
    }
}
