import TideJobs
import TideMetrics

/// The fields of a `job_info` document the collector reads and writes; the
/// scheduler's `scheduler` field is neither decoded nor written.
///
/// Why the history lives in `job_info` (field `progress`) and not in a
/// collection of its own: the estimate and the history it was derived from
/// are then one upsert of one document, atomic in MongoDB, so a run that dies
/// between two writes can never leave an estimate that its history does not
/// explain, or a history whose samples never reached the estimate (which a
/// redelivery, deduplicated against that history, would then not repair).
/// The history is bounded (`ProgressHistory.keptEpochs` per width,
/// `keptRestarts`), so the document does not grow with the job.
struct CollectorRecord: Codable, Sendable {
    var name: String
    var estimate: JobEstimate?
    var progress: ProgressHistory?
}
