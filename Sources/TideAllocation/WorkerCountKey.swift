/// The keys of a job's `speedup` table: worker counts spelled in plain decimal.
enum WorkerCountKey {
    /// The count `key` names, or nil unless it is the canonical spelling of a
    /// count of at least 1 ("02", "+2" or " 2" would name a width twice, and
    /// which value won would depend on dictionary order).
    ///
    /// Reads the UTF-8 bytes directly: a round parses every key of every job,
    /// and `Int(key)` plus a round trip through `String` cost more than the
    /// rest of validation.
    static func parse(_ key: String) -> Int? {
        var value = 0
        var digits = 0
        for byte in key.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else { return nil }
            if digits == 0 && byte == UInt8(ascii: "0") { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 0 ? nil : value
    }
}
