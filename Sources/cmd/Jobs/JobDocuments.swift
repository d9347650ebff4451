import Foundation

/// The job documents `cmd create -f` sends: files, directories (their `.yaml`, `.yml` and
/// `.json` files in name order) and `-` for stdin; a YAML stream is split at its `---` lines.
struct JobDocument: Equatable {
    /// Where it came from, for messages: `jobs.yaml`, `jobs.yaml#2`, `stdin`.
    var source: String
    var body: Data
    var contentType: String
}

enum JobDocuments {
    static let extensions: Set<String> = ["yaml", "yml", "json"]

    static func load(paths: [String], readStandardInput: () -> Data) throws(CommandFailure) -> [JobDocument] {
        var documents: [JobDocument] = []
        for path in paths {
            if path == "-" {
                documents += split(readStandardInput(), source: "stdin", json: nil)
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandFailure("\(path): no such file or directory")
            }
            let files: [String]
            if isDirectory.boolValue {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files = entries.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                if files.isEmpty { throw CommandFailure("\(path): no .yaml, .yml or .json files in this directory") }
            } else {
                files = [path]
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure("\(file): cannot be read")
                }
                documents += split(data, source: file, json: (file as NSString).pathExtension.lowercased() == "json")
            }
        }
        return documents
    }

    /// One document per `---`-separated part with content; JSON (by extension, or a leading `{`) is one document.
    static func split(_ data: Data, source: String, json: Bool?) -> [JobDocument] {
        let text = String(decoding: data, as: UTF8.self)
        let isJSON = json ?? text.drop(while: \.isWhitespace).hasPrefix("{")
        if isJSON { return [JobDocument(source: source, body: data, contentType: "application/json")] }
        var parts: [[Substring]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("---"), line.dropFirst(3).allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                parts.append([])
            } else {
                parts[parts.count - 1].append(line)
            }
        }
        let documents = parts.filter { lines in
            lines.contains { line in
                let content = line.drop(while: { $0 == " " || $0 == "\t" })
                return !content.isEmpty && !content.hasPrefix("#") && content != "\r"
            }
        }
        if documents.count <= 1 {
            // One document: sent as written, so the server's line numbers match the file.
            return documents.isEmpty ? [] : [JobDocument(source: source, body: data, contentType: "application/yaml")]
        }
        return documents.enumerated().map { index, lines in
            JobDocument(
                source: "\(source)#\(index + 1)", body: Data(lines.joined(separator: "\n").utf8),
                contentType: "application/yaml")
        }
    }
}
