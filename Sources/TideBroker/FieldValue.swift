/// A value in an AMQP table: message headers and queue arguments.
///
/// Only the kinds Tide uses; other kinds received from the wire become `.string`
/// with a description, so a header is never silently dropped.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): String(value)
        }
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
}
