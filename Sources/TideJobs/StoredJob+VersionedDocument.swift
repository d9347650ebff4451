import TideCore
import TideStore

/// Stored jobs live in the job store at the spec's paths (`metadata.name`, `metadata.version`,
/// `spec.accelerator`, `status.state`).
///
/// For reading. A service that writes jobs should write `JobRecord`s: a `replace` of a
/// `StoredJob` writes the whole document and would drop the job's unpublished outbox entries.
extension StoredJob: VersionedDocument {
    public static let fields = DocumentFields.job
}
