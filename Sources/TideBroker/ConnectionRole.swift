/// What runs on a connection's owner thread: the publisher's, consumer's or RPC
/// client's state, and how it reacts to a new connection, a command, an incoming
/// frame, a drop.
///
/// A role is created by its public wrapper, handed to a `ConnectionWorker`, and
/// from then on touched only by the worker's thread, so it needs no locks.
protocol ConnectionRole: AnyObject, SendableMetatype {
    associatedtype Command: Sendable

    /// A fresh connection (the first, or after a drop): declare, consume, resend.
    /// A retryable error drops it and reconnects; any other error ends the worker.
    func connected(_ connection: AMQPConnection, generation: UInt64) throws(BrokerError)

    /// A command from another thread; `connection` is nil while reconnecting.
    /// An error thrown here drops the connection.
    func perform(_ command: Command, on connection: AMQPConnection?) throws(BrokerError)

    /// An event read from the connection. An error thrown here drops the connection.
    func received(_ event: IncomingEvent, on connection: AMQPConnection) throws(BrokerError)

    /// The connection dropped; a reconnect follows.
    func disconnected(_ error: BrokerError)

    /// The worker stopped for good (closed, or a fatal error): fail whatever waits.
    func finished(_ error: BrokerError)

    /// A command that arrived after the worker stopped.
    func reject(_ command: Command, _ error: BrokerError)

    /// When `tick` is next needed (RPC deadlines), if ever.
    var nextDeadline: ContinuousClock.Instant? { get }

    func tick(now: ContinuousClock.Instant)
}

extension ConnectionRole {
    var nextDeadline: ContinuousClock.Instant? { nil }
    func tick(now: ContinuousClock.Instant) {}
}
