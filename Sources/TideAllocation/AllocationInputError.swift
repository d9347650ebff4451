/// A snapshot the allocator refuses, naming the offending field.
public struct AllocationInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A JSON path such as `jobs[2].speedup.4`.
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
