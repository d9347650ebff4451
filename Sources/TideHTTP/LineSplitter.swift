import Foundation

/// Turns a stream's chunks into lines (without their "\n"), keeping a partial line for the next chunk.
public struct LineSplitter: Sendable {
    private var pending = Data()

    public init() {}

    /// The complete lines `chunk` finishes.
    public mutating func lines(adding chunk: Data) -> [Data] {
        pending.append(chunk)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(pending[pending.startIndex..<newline])
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }

    /// What is left after the stream ended without a final newline.
    public var remainder: Data? { pending.isEmpty ? nil : pending }
}
