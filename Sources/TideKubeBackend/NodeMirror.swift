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
        await withDiscardingTaskGroup { group in
            group.addTask {
                await follow("/api/v1/nodes", as: KubeNode.self, what: "node") { update in
                    await view.apply(update)
                    wake.yield()
                }
            }
            group.addTask {
                await follow("/api/v1/pods", as: KubePod.self, what: "pod") { update in
                    await view.apply(update)
                    wake.yield()
                }
            }
            group.addTask { await write(view, wakeUps) }
            try? await gracefulShutdown()
            wake.finish()
            group.cancelAll()
        }
    }

    /// Keeps `handle` in step with the collection at `path` until cancelled.
    private func follow<Item: KubeObject>(
        _ path: String, as _: Item.Type, what: String, _ handle: @Sendable (KubeReflector<Item>.Update) async -> Void
    ) async {
        var reflector = KubeReflector<Item>(client: client, path: path)
        reflector.watchSeconds = watchSeconds
        let logger = logger
        await reflector.run(handle, failed: { logger.warning("\(what) watch failed; resuming", metadata: ["error": "\($0)"]) })
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
    private var nodes = ObjectCache<KubeNode>()
    private var pods = ObjectCache<KubePod>()

    func apply(_ update: KubeReflector<KubeNode>.Update) { nodes.apply(update) }

    func apply(_ update: KubeReflector<KubePod>.Update) { pods.apply(update) }

    /// The offers, or nil until both collections have been listed.
    func offers(labelKey: String, accelerator: String) -> (offers: [KubeCapacity.Offer], problems: [KubeNodeError])? {
        guard nodes.listed, pods.listed else { return nil }
        return KubeCapacity.offers(
            nodes: Array(nodes.items.values), pods: Array(pods.items.values), labelKey: labelKey, accelerator: accelerator)
    }
}

/// A collection as a reflector's updates leave it, by `namespace/name`.
struct ObjectCache<Item: KubeObject> {
    private(set) var items: [String: Item] = [:]
    /// A first list has been read.
    private(set) var listed = false

    mutating func apply(_ update: KubeReflector<Item>.Update) {
        switch update {
        case .replaced(let all):
            items = Dictionary(all.map { ($0.objectKey, $0) }, uniquingKeysWith: { $1 })
            listed = true
        case .upserted(let item): items[item.objectKey] = item
        case .deleted(let item): items[item.objectKey] = nil
        }
    }
}
