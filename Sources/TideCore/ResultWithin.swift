/// `body`'s result, or nil when `limit` passes first; either way it returns at once, without
/// waiting for `body` to end. A late `body` is cancelled when `cancellingLate` (a lease renewal:
/// its holder must stop on time, and a transfer notices cancellation only at its next progress
/// callback, up to a second later), else left to finish on its own (a publish waiting for the
/// broker's confirm). Throws what `body` throws, or `CancellationError` when the caller is
/// cancelled first.
public func result<T: Sendable>(
    within limit: Duration, cancellingLate: Bool, of body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    let (outcomes, outcome) = AsyncThrowingStream.makeStream(of: T?.self)
    let work = Task {
        do { outcome.yield(try await body()) } catch { outcome.finish(throwing: error) }
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        outcome.yield(nil)
    }
    defer {
        timer.cancel()
        if cancellingLate { work.cancel() }
    }
    for try await first in outcomes { return first }
    try Task.checkCancellation()
    return nil
}
