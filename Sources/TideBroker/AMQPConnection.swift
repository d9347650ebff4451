import CRabbitMQ
import CShims
import Foundation

/// One rabbitmq-c connection with its channels open.
///
/// rabbitmq-c is not thread-safe and blocks, so an instance is created, used
/// and destroyed on one dedicated thread (see `ConnectionWorker`); it is never Sendable.
/// Channel 1 carries the real work; channel 2 is a scratch channel for passive
/// checks whose failure must not close channel 1 (and lose its confirms).
final class AMQPConnection {
    static let channel: amqp_channel_t = 1
    static let scratchChannel: amqp_channel_t = 2
    let configuration: BrokerConfiguration
    private let state: amqp_connection_state_t
    private var scratchOpen = false
    private var closed = false

    /// Connects, logs in and opens channel 1, within the configured timeouts.
    init(_ configuration: BrokerConfiguration) throws(BrokerError) {
        self.configuration = configuration
        guard let state = amqp_new_connection() else { throw .connectionLost(reason: "out of memory") }
        self.state = state
        let host = configuration.host, port = configuration.port
        // From here on `deinit` destroys `state`, also when this initializer throws.
        guard let socket = amqp_tcp_socket_new(state) else { throw .connectionLost(reason: "cannot create a socket") }
        var connectTimeout = timeval(configuration.connectTimeout)
        let status = amqp_socket_open_noblock(socket, host, Int32(port), &connectTimeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .unreachable(host: host, port: port, reason: Self.describe(status))
        }
        // Child processes (workers the local backend starts) must not inherit the socket:
        // a copy held open would hide this connection's end from the broker.
        _ = fcntl(amqp_socket_get_sockfd(socket), F_SETFD, FD_CLOEXEC)
        amqp_set_handshake_timeout(state, &connectTimeout)
        var operationTimeout = timeval(configuration.operationTimeout)
        amqp_set_rpc_timeout(state, &operationTimeout)
        let login = tide_amqp_login_plain(
            state, configuration.virtualHost, 0, 131_072, Int32(configuration.heartbeatSeconds),
            configuration.user, configuration.password)
        try Self.classifyLogin(login, configuration)
        amqp_channel_open(state, Self.channel)
        try check(during: "opening a channel")
    }

    deinit {
        if !closed { amqp_destroy_connection(state) }
    }

    /// The socket to poll for input.
    var socketDescriptor: Int32 { amqp_get_sockfd(state) }

    /// Frames rabbitmq-c already read or queued: poll() would not see them.
    var hasBufferedInput: Bool { amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 }

    // MARK: Synchronous methods (setup)

    func declare(_ topology: Topology) throws(BrokerError) {
        for exchange in topology.exchanges {
            let arena = CArena()
            amqp_exchange_declare(state, Self.channel, arena.bytes(exchange.name), arena.bytes(exchange.kind.rawValue),
                                  0, exchange.durable ? 1 : 0, 0, 0, amqp_empty_table)
            try check(during: "declaring exchange \"\(exchange.name)\"")
        }
        for queue in topology.queues {
            let arena = CArena()
            amqp_queue_declare(state, Self.channel, arena.bytes(queue.name), 0, queue.durable ? 1 : 0, 0,
                               queue.autoDelete ? 1 : 0, arena.table(queue.arguments))
            try check(during: "declaring queue \"\(queue.name)\"")
        }
        for binding in topology.bindings {
            let arena = CArena()
            amqp_queue_bind(state, Self.channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                            arena.bytes(binding.routingKey), amqp_empty_table)
            try check(during: "binding queue \"\(binding.queue)\" to \"\(binding.exchange)\" with \"\(binding.routingKey)\"")
        }
    }

    func enableConfirms() throws(BrokerError) {
        amqp_confirm_select(state, Self.channel)
        try check(during: "enabling publisher confirms")
    }

    func setPrefetch(_ count: Int) throws(BrokerError) {
        amqp_basic_qos(state, Self.channel, 0, UInt16(clamping: count), 0)
        try check(during: "setting prefetch \(count)")
    }

    /// Starts consuming `queue`; returns the consumer tag.
    func consume(queue: String, noAck: Bool) throws(BrokerError) -> String {
        let arena = CArena()
        let ok = amqp_basic_consume(state, Self.channel, arena.bytes(queue), amqp_empty_bytes, 0, noAck ? 1 : 0, 0,
                                    amqp_empty_table)
        try check(during: "consuming queue \"\(queue)\"")
        return ok.map { CDecode.string($0.pointee.consumer_tag) } ?? ""
    }

    /// Whether `exchange` exists, asked on the scratch channel so a 404 leaves channel 1 alone.
    func exchangeExists(_ exchange: String) throws(BrokerError) -> Bool {
        if !scratchOpen {
            amqp_channel_open(state, Self.scratchChannel)
            try check(during: "opening the scratch channel")
            scratchOpen = true
        }
        let arena = CArena()
        amqp_exchange_declare(state, Self.scratchChannel, arena.bytes(exchange), amqp_empty_bytes, 1, 0, 0, 0,
                              amqp_empty_table)
        do {
            try check(during: "checking exchange \"\(exchange)\"", channel: Self.scratchChannel)
            return true
        } catch .channelClosed(code: 404, _, _) {
            scratchOpen = false
            return false
        }
    }

    // MARK: Asynchronous methods (steady state)

    func publish(_ message: OutgoingMessage) throws(BrokerError) {
        let arena = CArena()
        var properties = arena.properties(message.properties)
        let status = amqp_basic_publish(state, Self.channel, arena.bytes(message.exchange),
                                        arena.bytes(message.routingKey), message.mandatory ? 1 : 0, 0, &properties,
                                        arena.bytes(message.body))
        guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost(reason: Self.describe(status)) }
    }

    func settle(deliveryTag: UInt64, _ outcome: Settlement) throws(BrokerError) {
        let status = switch outcome {
        case .ack: amqp_basic_ack(state, Self.channel, deliveryTag, 0)
        case .requeue: amqp_basic_nack(state, Self.channel, deliveryTag, 0, 1)
        case .reject: amqp_basic_nack(state, Self.channel, deliveryTag, 0, 0)
        }
        guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost(reason: Self.describe(status)) }
    }

    /// The next event already on the wire, or nil if none is ready now.
    ///
    /// A zero timeout also lets rabbitmq-c send a heartbeat when one is due
    /// and notice a broker whose heartbeats stopped.
    func nextEvent() throws(BrokerError) -> IncomingEvent? {
        var frame = amqp_frame_t()
        var immediately = timeval(tv_sec: 0, tv_usec: 0)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &immediately)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost(reason: Self.describe(status)) }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return .ignored }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_DELIVER_METHOD:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            var raw = RawDelivery(
                consumerTag: CDecode.string(deliver.consumer_tag), deliveryTag: deliver.delivery_tag,
                redelivered: deliver.redelivered != 0, exchange: CDecode.string(deliver.exchange),
                routingKey: CDecode.string(deliver.routing_key), properties: MessageProperties(), body: Data())
            (raw.properties, raw.body) = try readContent(channel: frame.channel)
            return .delivery(raw)
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .confirm(deliveryTag: ack.delivery_tag, multiple: ack.multiple != 0, acked: true)
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .confirm(deliveryTag: nack.delivery_tag, multiple: nack.multiple != 0, acked: false)
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let reply = "\(returned.reply_code) \(CDecode.string(returned.reply_text))"
            let exchange = CDecode.string(returned.exchange), key = CDecode.string(returned.routing_key)
            let (properties, _) = try readContent(channel: frame.channel)
            return .returned(exchange: exchange, routingKey: key, reply: reply, properties: properties)
        case AMQP_BASIC_CANCEL_METHOD:
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            return .consumerCancelled(consumerTag: CDecode.string(cancel.consumer_tag))
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t()
            amqp_send_method(state, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            if frame.channel == Self.scratchChannel { scratchOpen = false; return .ignored }
            throw .channelClosed(code: Int(close.reply_code), text: CDecode.string(close.reply_text), during: "working")
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            throw .connectionLost(reason: "broker closed the connection: \(close.reply_code) \(CDecode.string(close.reply_text))")
        default:
            return .ignored
        }
    }

    /// Frees the frames already handled; only when none is queued, since queued frames live in the same pools.
    func releaseBuffers() {
        if amqp_frames_enqueued(state) == 0 { amqp_maybe_release_buffers(state) }
    }

    /// Closes politely (bounded by the operation timeout) and frees the connection.
    func close() {
        guard !closed else { return }
        closed = true
        amqp_channel_close(state, Self.channel, AMQP_REPLY_SUCCESS)
        amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        amqp_destroy_connection(state)
    }

    /// Frees the connection without a word to the broker, after it broke.
    func abandon() {
        guard !closed else { return }
        closed = true
        amqp_destroy_connection(state)
    }

    // MARK: Helpers

    private func readContent(channel: amqp_channel_t) throws(BrokerError) -> (MessageProperties, Data) {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            throw .connectionLost(reason: "reading a message: \(Self.describe(reply))")
        }
        defer { amqp_destroy_message(&message) }
        return (CDecode.properties(message.properties), CDecode.data(message.body))
    }

    private func check(during action: String, channel: amqp_channel_t = AMQPConnection.channel) throws(BrokerError) {
        let reply = amqp_get_rpc_reply(state)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t()
            amqp_send_method(state, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            throw .channelClosed(code: Int(close.reply_code), text: CDecode.string(close.reply_text), during: action)
        default:
            throw .connectionLost(reason: "\(action): \(Self.describe(reply))")
        }
    }

    private static func classifyLogin(_ reply: amqp_rpc_reply_t, _ configuration: BrokerConfiguration) throws(BrokerError) {
        guard reply.reply_type != AMQP_RESPONSE_NORMAL else { return }
        if reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION, reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD {
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            switch close.reply_code {
            case 403: throw .authenticationRefused(user: configuration.user, host: configuration.host, port: configuration.port)
            case 530: throw .virtualHostRefused(vhost: configuration.virtualHost, user: configuration.user)
            default: break
            }
        }
        throw .connectionLost(reason: "logging in to \(configuration.host):\(configuration.port): \(describe(reply))")
    }

    static func describe(_ status: Int32) -> String { String(cString: amqp_error_string2(status)) }

    static func describe(_ reply: amqp_rpc_reply_t) -> String {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION: return describe(reply.library_error)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return "broker closed the connection: \(close.reply_code) \(CDecode.string(close.reply_text))"
            }
            return "broker error (method \(reply.reply.id))"
        default: return "no reply"
        }
    }
}

/// What the owner thread reads off a connection.
enum IncomingEvent {
    case delivery(RawDelivery)
    /// A publisher confirm: basic.ack (`acked`) or basic.nack for one tag or, with `multiple`, all up to it.
    case confirm(deliveryTag: UInt64, multiple: Bool, acked: Bool)
    /// A mandatory message no queue took; the publisher matches it by message id.
    case returned(exchange: String, routingKey: String, reply: String, properties: MessageProperties)
    /// The broker cancelled our consumer (its queue was deleted, or failed over).
    case consumerCancelled(consumerTag: String)
    /// Heartbeats, and frames nobody here asked for.
    case ignored
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
