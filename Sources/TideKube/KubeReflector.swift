import Foundation

/// An object the reflector can keep: its name, namespace and version.
public protocol KubeObject: Decodable, Sendable {
    var objectName: String { get }
    var objectNamespace: String? { get }
    var objectVersion: String? { get }
}

extension KubeObject {
    /// `namespace/name`, or `/name` for cluster-scoped objects.
    public var objectKey: String { "\(objectNamespace ?? "")/\(objectName)" }
}

extension KubePod: KubeObject {
    public var objectName: String { metadata.name }
    public var objectNamespace: String? { metadata.namespace }
    public var objectVersion: String? { metadata.resourceVersion }
}

extension KubeNode: KubeObject {
    public var objectName: String { metadata.name }
    public var objectNamespace: String? { nil }
    public var objectVersion: String? { metadata.resourceVersion }
}

/// Keeps a consumer in step with a collection of the API server, as client-go's
/// reflector does: list, then watch from the list's resourceVersion; a watch that
/// ends (its timeout) is opened again from the last version seen (bookmarks
/// included); a version the server no longer has (410, also as an ERROR event
/// inside a 200 stream) lists everything again; other failures are retried
/// after a pause that grows to `maxPause`. Runs until its task is cancelled.
public struct KubeReflector<Item: KubeObject>: Sendable {
    /// What the consumer hears.
    public enum Update: Sendable {
        /// The whole collection, after a list: replace what you hold.
        case replaced([Item])
        case upserted(Item)
        case deleted(Item)
    }

    public var client: KubeClient
    public var path: String
    public var labelSelector: String?
    public var fieldSelector: String?
    public var maxPause: Duration = .seconds(10)
    /// How long the server keeps one watch open before the reflector opens the next.
    public var watchSeconds = 300

    public init(client: KubeClient, path: String, labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.client = client
        self.path = path
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    /// Feeds `handle` until cancelled; `failed` hears each error before its retry.
    public func run(
        _ handle: @Sendable (Update) async -> Void, failed: @Sendable (any Error) async -> Void = { _ in }
    ) async {
        var version: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                if version == nil {
                    let (items, listed): ([Item], String) = try await client.list(
                        path, labelSelector: labelSelector, fieldSelector: fieldSelector)
                    await handle(.replaced(items))
                    version = listed
                }
                let events: AsyncThrowingStream<WatchEvent<Item>, any Error> = try await client.watch(
                    path, resourceVersion: version ?? "", labelSelector: labelSelector, fieldSelector: fieldSelector,
                    timeoutSeconds: watchSeconds)
                let opened = ContinuousClock.now
                var heard = false
                for try await event in events {
                    failures = 0
                    heard = true
                    switch event {
                    case .added(let item), .modified(let item):
                        version = item.objectVersion ?? version
                        await handle(.upserted(item))
                    case .deleted(let item):
                        version = item.objectVersion ?? version
                        await handle(.deleted(item))
                    case .bookmark(let seen):
                        if !seen.isEmpty { version = seen }
                    }
                }
                // A server that closes every watch at once must not make this loop spin.
                if !heard && ContinuousClock.now - opened < .milliseconds(100) { try await Task.sleep(for: .milliseconds(200)) }
            } catch let error as KubeAPIError where error.isGone {
                version = nil
            } catch {
                if Task.isCancelled { return }
                await failed(error)
                failures += 1
                let pause = min(Duration.milliseconds(250 << min(failures, 8)), maxPause)
                try? await Task.sleep(for: pause)
            }
        }
    }
}
