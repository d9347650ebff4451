import CCurl
import Foundation
import Synchronization

/// Idle libcurl easy handles of one client, each lent to one transfer at a time.
///
/// An easy handle keeps its connections open after a transfer, so the next
/// request on the same handle to the same server skips the TCP handshake
/// (and any TLS one). A handle is never used by two transfers at once: a
/// transfer takes one (or a new one when all are busy) and gives it back.
final class EasyHandlePool: Sendable {
    /// Handles as integers: raw pointers are not `Sendable`, and only one transfer holds each.
    private let idle = Mutex<[UInt]>([])
    /// More idle handles than this are cleaned up instead of kept.
    private let most: Int

    init(most: Int = 16) {
        self.most = most
    }

    /// An idle handle, or a new one; nil if libcurl cannot make one.
    func take() -> UnsafeMutableRawPointer? {
        if let address = idle.withLock({ $0.popLast() }) {
            return UnsafeMutableRawPointer(bitPattern: address)
        }
        return CurlTransfer.makeHandle()
    }

    /// Gives `handle` back for the next transfer, with no pointer into the last one left in it.
    func giveBack(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        let kept = idle.withLock { handles in
            guard handles.count < most else { return false }
            handles.append(UInt(bitPattern: handle))
            return true
        }
        if !kept { curl_easy_cleanup(handle) }
    }

    deinit {
        for address in idle.withLock({ $0 }) {
            if let handle = UnsafeMutableRawPointer(bitPattern: address) { curl_easy_cleanup(handle) }
        }
    }
}
