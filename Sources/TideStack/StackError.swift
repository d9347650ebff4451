/// A local-stack failure with a message a user can act on.
public struct StackError: Error, Sendable, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
