/// The limits and patterns a job must meet, in one place.
public enum JobRules {
    /// Names are DNS labels of at most this many characters (the stored name adds `-YYYYMMDD-HHMMSS-N`).
    public static let maxNameLength = 40
    /// GPU types are label values and routing keys of at most this many characters.
    public static let maxAcceleratorLength = 40
    /// Queue names: same characters as GPU types, at most this long.
    public static let maxQueueLength = 63
    public static let workers = 1...1024
    public static let gpusPerWorker = 1...16
    public static let priority = -1000...1000
    public static let epochs = 1...1_000_000
    public static let maxRetries = 0...100
    /// At most 365 days.
    public static let timeLimitSeconds = 1...(365 * 24 * 3600)

    /// `[a-z0-9]([a-z0-9-]*[a-z0-9])?`: GPU types, queues, and (with a length limit) DNS labels.
    public static func isLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        return alphanumeric(first) && alphanumeric(last) && bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// A DNS subdomain (RFC 1123): dot-separated labels, at most 253 characters (volume claim names).
    public static func isSubdomain(_ text: String) -> Bool {
        text.utf8.count <= 253 && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            $0.utf8.count <= 63 && isLabel(String($0))
        }
    }

    static let labelRule = "lowercase letters, digits and '-', starting and ending with a letter or digit"

    /// Messages for a name (`metadata.name`).
    static func nameProblems(_ name: String) -> [String] {
        var messages: [String] = []
        if name.count > maxNameLength {
            messages.append("must be at most \(maxNameLength) characters (got \(name.count))")
        }
        if !isLabel(name) {
            messages.append("must be a DNS label: \(labelRule) (got \"\(name.debugEscaped)\")")
        }
        return messages
    }

    /// Messages for a GPU type.
    static func acceleratorProblems(_ accelerator: String) -> [String] {
        var messages: [String] = []
        if accelerator.count > maxAcceleratorLength {
            messages.append("must be at most \(maxAcceleratorLength) characters (got \(accelerator.count))")
        }
        if !isLabel(accelerator) {
            messages.append("must be a GPU type: \(labelRule), as in nvidia-tesla-v100 (got \"\(accelerator.debugEscaped)\")")
        }
        return messages
    }
}
