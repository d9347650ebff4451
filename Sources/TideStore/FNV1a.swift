/// FNV-1a, 64 bits: a stable digest that tells inputs apart (not a cryptographic one; the
/// inputs it names are not secrets). Unlike `Hasher`, the same in every process.
public enum FNV1a {
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
