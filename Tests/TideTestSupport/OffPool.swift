import Foundation

/// Runs blocking work (a server script, a child's exit, a pipe read) on a
/// thread of its own: Swift's cooperative pool has two threads here, and a
/// test blocking one of them stalls every other test running beside it.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
