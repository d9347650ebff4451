/// Waits for `condition`, checking every 20 ms; throws naming `what` when `timeout` passes first.
public func eventually(
    within timeout: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(try await condition()) {
        guard ContinuousClock.now < deadline else { throw TestServerError("not within \(timeout): \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
