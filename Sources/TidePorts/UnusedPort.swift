/// A loopback port nothing listens on (bound, read and closed at once); 0 if none could be bound.
public func unusedPort() -> Int {
    (try? PortCheck.freePort()) ?? 0
}
