/// The spec's fixed RabbitMQ names ("Fixed names" in SPEC.md), in one place.
public enum BrokerNames {
    /// Topic exchange for job events: `<accelerator>.<created|deleted|updated>`.
    public static let jobsExchange = "tide.jobs"
    /// Topic exchange for `node.<accelerator>.changed`, `metrics.<accelerator>.updated`, `status.<job>`.
    public static let eventsExchange = "tide.events"
    /// The allocator's RPC request queue.
    public static let allocatorQueue = "tide.allocator"
    /// Workers' progress samples, folded by the metrics collector.
    public static let progressQueue = "tide.progress"

    /// What happened to a job, the last word of its routing key.
    public enum JobEvent: String, Sendable, CaseIterable {
        case created, deleted, updated
    }

    public static func schedulerQueue(accelerator: String) throws -> String {
        "tide.scheduler.\(try validAccelerator(accelerator))"
    }

    public static func jobKey(accelerator: String, _ event: JobEvent) throws -> String {
        "\(try validAccelerator(accelerator)).\(event.rawValue)"
    }

    public static func nodeChangedKey(accelerator: String) throws -> String {
        "node.\(try validAccelerator(accelerator)).changed"
    }

    public static func metricsUpdatedKey(accelerator: String) throws -> String {
        "metrics.\(try validAccelerator(accelerator)).updated"
    }

    /// `status.<job>`; job names may hold dots, which only the `status.#` pattern matches.
    public static func statusKey(job: String) -> String { "status.\(job)" }

    /// Checks a GPU type against the spec: `[a-z0-9]([a-z0-9-]*[a-z0-9])?`, at most 40 characters.
    /// It becomes a routing-key word, so a dot or `*` would silently widen a binding.
    @discardableResult
    public static func validAccelerator(_ name: String) throws -> String {
        let bytes = Array(name.utf8)
        func plain(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard !bytes.isEmpty, bytes.count <= 40 else {
            throw BrokerError.invalidName(name, reason: "an accelerator name has 1 to 40 characters")
        }
        guard plain(bytes.first!), plain(bytes.last!), bytes.allSatisfy({ plain($0) || $0 == UInt8(ascii: "-") }) else {
            throw BrokerError.invalidName(
                name, reason: "an accelerator name is lower-case letters, digits and inner hyphens")
        }
        return name
    }
}
