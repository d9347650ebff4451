/// A document stored by name with an integer version for optimistic concurrency.
///
/// The job type of a later issue conforms; so can nodes or job info. The
/// store bumps `version` on every write and refuses a write from a stale one.
public protocol VersionedDocument: Codable, Sendable {
    /// Where the store finds this type's fields in the stored document.
    static var fields: DocumentFields { get }
    /// The unique name (the stored `name` of a job, e.g. `resnet-20250101-120000`).
    var name: String { get }
    /// 1 when created, one more on every successful write.
    var version: Int { get set }
}

/// Dotted paths of the fields a `VersionedStore` filters, sorts and indexes on.
public struct DocumentFields: Sendable, Equatable {
    public var name: String
    public var version: String
    /// The GPU type, for `list(accelerator:)`; nil if the documents have none.
    public var accelerator: String?
    /// The state, for `list(statuses:)`; nil if the documents have none.
    public var status: String?

    public init(name: String, version: String, accelerator: String? = nil, status: String? = nil) {
        self.name = name
        self.version = version
        self.accelerator = accelerator
        self.status = status
    }

    /// Jobs stored as `{metadata: {name, version}, spec: {accelerator}, status: {state}}`.
    public static let job = DocumentFields(
        name: "metadata.name", version: "metadata.version", accelerator: "spec.accelerator", status: "status.state")

    /// Flat documents: top-level `name` and `version` (nodes, job info).
    public static let flat = DocumentFields(name: "name", version: "version")
}
