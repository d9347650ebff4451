/// The two fields of a stored job the collector needs for a metrics file,
/// which names neither: the GPU type (whose scheduler to wake) and the epoch total.
struct JobSpecProbe: Codable, Sendable {
    struct Metadata: Codable, Sendable { var name: String }
    struct Spec: Codable, Sendable {
        var accelerator: String?
        var epochs: Int?
    }
    var metadata: Metadata
    var spec: Spec?
}
