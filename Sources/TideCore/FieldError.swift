/// One thing wrong with a submitted job: where, and which rule it breaks.
///
/// `path` is the field's dotted path with list indices in brackets
/// (`spec.template.env[2].name`); keys that are not plain words are quoted
/// (`limits["nvidia.com/gpu"]`). `(document)` stands for the whole document.
public struct FieldError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The field's path in the submitted document.
    public var path: String
    /// The rule, phrased so the user can act on it: `must be between 1 and spec.workers.max (8)`.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// Every error found in a submitted job, in document order. A job with any
/// error is refused whole.
public struct JobSpecErrors: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Never empty when thrown.
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The messages given for `path`.
    public func messages(at path: String) -> [String] {
        errors.filter { $0.path == path }.map(\.message)
    }
}

/// Collects errors while a document is read and checked.
struct Problems {
    private(set) var errors: [FieldError] = []

    mutating func add(_ path: String, _ message: String) {
        errors.append(FieldError(path: path, message: message))
    }

    var isEmpty: Bool { errors.isEmpty }
}

/// Field-path building.
extension String {
    static let documentPath = "(document)"

    /// `self.key`, or `self["key"]` when the key is not a plain word.
    func dot(_ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
        }
        let part = plain ? key : "[\"\(key.debugEscaped)\"]"
        if self.isEmpty || self == .documentPath { return part }
        return plain ? "\(self).\(part)" : "\(self)\(part)"
    }

    /// `self[index]`.
    func at(_ index: Int) -> String {
        (self == .documentPath ? "" : self) + "[\(index)]"
    }

    /// The string with quotes, backslashes and control characters escaped.
    var debugEscaped: String {
        let escaped = String(reflecting: self)
        return String(escaped.dropFirst().dropLast())
    }
}
