/// What happened to a job, as the broker and the event log name it: the last
/// word of the `tide.jobs` routing key `<accelerator>.<created|deleted|updated>`.
public enum JobChange: String, Sendable, Hashable, Codable, CaseIterable {
    case created, updated, deleted
}
