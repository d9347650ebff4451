import Foundation
import TideHTTP

/// One page of a list: `{"metadata": {"resourceVersion", "continue"}, "items": [...]}`.
struct KubeListPage<Item: Decodable>: Decodable {
    struct Metadata: Decodable {
        var resourceVersion: String?
        var `continue`: String?
    }

    var metadata: Metadata
    var items: [Item]?
}

/// A watch event: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` (only the resourceVersion is new).
public enum WatchEvent<Item: Decodable & Sendable>: Sendable {
    case added(Item)
    case modified(Item)
    case deleted(Item)
    /// The watch has seen everything up to this resourceVersion.
    case bookmark(resourceVersion: String)
}

extension KubeClient {
    /// Every item of the list at `path` (all pages), and the resourceVersion to watch from.
    public func list<Item: Decodable>(
        _ path: String, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500
    ) async throws -> (items: [Item], resourceVersion: String) {
        var items: [Item] = []
        var next: String?
        var version = ""
        repeat {
            var query = ["limit": "\(pageSize)"]
            if let labelSelector { query["labelSelector"] = labelSelector }
            if let fieldSelector { query["fieldSelector"] = fieldSelector }
            if let next { query["continue"] = next }
            let page = try JSONDecoder().decode(KubeListPage<Item>.self, from: try await send("GET", path, query: query))
            items += page.items ?? []
            version = page.metadata.resourceVersion ?? version
            next = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil
        return (items, version)
    }

    /// The events of `path` after `resourceVersion`, with bookmarks, as they come.
    /// The stream ends when the server closes the watch; it throws a
    /// `KubeAPIError` that `isGone` when the version is too old (list again).
    public func watch<Item: Decodable & Sendable>(
        _ path: String, resourceVersion: String, labelSelector: String? = nil, fieldSelector: String? = nil,
        timeoutSeconds: Int = 300
    ) async throws -> AsyncThrowingStream<WatchEvent<Item>, any Error> {
        var query = [
            "watch": "true", "resourceVersion": resourceVersion, "allowWatchBookmarks": "true",
            "timeoutSeconds": "\(timeoutSeconds)",
        ]
        if let labelSelector { query["labelSelector"] = labelSelector }
        if let fieldSelector { query["fieldSelector"] = fieldSelector }
        let request = try await request("GET", path, query: query, body: nil, contentType: "", timeout: nil)
        let (head, chunks) = try await http.stream(request)
        guard (200..<300).contains(head.status) else {
            var body = Data()
            for try await chunk in chunks { body.append(chunk) }
            throw KubeAPIError(code: head.status, body: body, request: "watch \(path)")
        }
        let (events, sink) = AsyncThrowingStream.makeStream(of: WatchEvent<Item>.self)
        let reader = Task {
            var splitter = LineSplitter()
            do {
                for try await chunk in chunks {
                    for line in splitter.lines(adding: chunk) where !line.isEmpty {
                        sink.yield(try WatchLine.decode(line, path: path))
                    }
                }
                sink.finish()
            } catch {
                sink.finish(throwing: error)
            }
        }
        sink.onTermination = { _ in reader.cancel() }
        return events
    }
}

/// One line of a watch stream, parsed once: the type first, then the object as what the type says it is.
enum WatchLine {
    private struct Line<Item: Decodable>: Decodable {
        enum Content {
            case item(String, Item)
            case bookmark(String)
            case error(KubeStatus)
            case unknown(String)
        }

        struct Bookmark: Decodable {
            struct Metadata: Decodable { var resourceVersion: String? }
            var metadata: Metadata?
        }

        enum Keys: String, CodingKey { case type, object }

        let content: Content

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "BOOKMARK":
                content = .bookmark(try container.decodeIfPresent(Bookmark.self, forKey: .object)?.metadata?.resourceVersion ?? "")
            case "ERROR":
                content = .error(try container.decode(KubeStatus.self, forKey: .object))
            case "ADDED", "MODIFIED", "DELETED":
                content = .item(type, try container.decode(Item.self, forKey: .object))
            default:
                content = .unknown(type)
            }
        }
    }

    static func decode<Item: Decodable>(_ line: Data, path: String) throws -> WatchEvent<Item> {
        switch try JSONDecoder().decode(Line<Item>.self, from: line).content {
        case .bookmark(let version):
            return .bookmark(resourceVersion: version)
        case .error(let status):
            // A 410 inside a 200 stream, as the API server sends it for an expired version.
            throw KubeAPIError(code: status.code ?? 500, reason: status.reason, message: status.message ?? "watch error", request: "watch \(path)")
        case .item("ADDED", let item): return .added(item)
        case .item("MODIFIED", let item): return .modified(item)
        case .item("DELETED", let item): return .deleted(item)
        case .item(let type, _), .unknown(let type):
            throw KubeAPIError(code: 500, reason: nil, message: "unknown watch event type \(type)", request: "watch \(path)")
        }
    }
}
