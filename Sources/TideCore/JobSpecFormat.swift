/// The text format of a submitted job document.
public enum JobSpecFormat: String, Sendable, Hashable, CaseIterable {
    case json
    case yaml

    /// The format a `Content-Type` names (parameters such as `; charset=utf-8`
    /// are ignored), or nil for any other media type.
    public init?(contentType: String) {
        let media = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        switch media {
        case "application/json": self = .json
        case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml": self = .yaml
        default: return nil
        }
    }

    /// The format a file name's extension names (`.json`, `.yaml`, `.yml`), or nil.
    public init?(fileName: String) {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".json") {
            self = .json
        } else if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            self = .yaml
        } else {
            return nil
        }
    }
}

import Foundation
