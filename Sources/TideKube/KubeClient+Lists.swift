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
        let request = try request("GET", path, query: query, body: nil, contentType: "", timeout: nil)
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

/// One line of a watch stream.
enum WatchLine {
    private struct Raw<Item: Decodable>: Decodable {
        var type: String
        var object: Item
    }

    private struct Header: Decodable {
        struct Metadata: Decodable { var resourceVersion: String? }
        struct Object: Decodable { var metadata: Metadata? }
        var type: String
        var object: Object?
    }

    static func decode<Item: Decodable>(_ line: Data, path: String) throws -> WatchEvent<Item> {
        let header = try JSONDecoder().decode(Header.self, from: line)
        switch header.type {
        case "BOOKMARK":
            return .bookmark(resourceVersion: header.object?.metadata?.resourceVersion ?? "")
        case "ERROR":
            // A 410 inside a 200 stream, as the API server sends it for an expired version.
            let status = try JSONDecoder().decode(Raw<KubeStatus>.self, from: line).object
            throw KubeAPIError(code: status.code ?? 500, reason: status.reason, message: status.message ?? "watch error", request: "watch \(path)")
        case "ADDED": return .added(try JSONDecoder().decode(Raw<Item>.self, from: line).object)
        case "MODIFIED": return .modified(try JSONDecoder().decode(Raw<Item>.self, from: line).object)
        case "DELETED": return .deleted(try JSONDecoder().decode(Raw<Item>.self, from: line).object)
        default:
            throw KubeAPIError(code: 500, reason: nil, message: "unknown watch event type \(header.type)", request: "watch \(path)")
        }
    }
}
