import CRabbitMQ
import Foundation

/// C memory for one call into rabbitmq-c: strings, tables and properties that
/// must outlive the Swift values they come from until the call returns.
///
/// Not Sendable: used and freed on the connection's own thread within one call.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { for pointer in allocations { free(pointer) } }

    /// `string`'s UTF-8 bytes, without a terminating NUL (AMQP strings carry their length).
    func bytes(_ string: String) -> amqp_bytes_t { bytes(Data(string.utf8)) }

    func bytes(_ data: Data) -> amqp_bytes_t {
        guard !data.isEmpty, let pointer = malloc(data.count) else { return amqp_bytes_t(len: 0, bytes: nil) }
        data.copyBytes(to: pointer.assumingMemoryBound(to: UInt8.self), count: data.count)
        allocations.append(pointer)
        return amqp_bytes_t(len: data.count, bytes: pointer)
    }

    /// A NUL-terminated copy, for the calls that take `const char *`.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        let pointer = strdup(string)!
        allocations.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }

    func table(_ fields: [String: FieldValue]) -> amqp_table_t {
        guard !fields.isEmpty else { return amqp_empty_table }
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: fields.count)
        allocations.append(UnsafeMutableRawPointer(entries))
        for (index, (key, value)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            var field = amqp_field_value_t()
            switch value {
            case .string(let text):
                field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
                field.value.bytes = bytes(text)
            case .int(let number):
                field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
                field.value.i64 = number
            case .bool(let flag):
                field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
                field.value.boolean = flag ? 1 : 0
            }
            entries[index] = amqp_table_entry_t(key: bytes(key), value: field)
        }
        return amqp_table_t(num_entries: Int32(fields.count), entries: entries)
    }

    func properties(_ properties: MessageProperties) -> amqp_basic_properties_t {
        var result = amqp_basic_properties_t()
        var flags: UInt32 = 0
        func text(_ value: String?, _ flag: Int32, _ set: (inout amqp_basic_properties_t, amqp_bytes_t) -> Void) {
            guard let value else { return }
            set(&result, bytes(value))
            flags |= UInt32(flag)
        }
        text(properties.contentType, AMQP_BASIC_CONTENT_TYPE_FLAG) { $0.content_type = $1 }
        text(properties.messageID, AMQP_BASIC_MESSAGE_ID_FLAG) { $0.message_id = $1 }
        text(properties.correlationID, AMQP_BASIC_CORRELATION_ID_FLAG) { $0.correlation_id = $1 }
        text(properties.replyTo, AMQP_BASIC_REPLY_TO_FLAG) { $0.reply_to = $1 }
        text(properties.type, AMQP_BASIC_TYPE_FLAG) { $0.type = $1 }
        text(properties.expirationMilliseconds.map(String.init), AMQP_BASIC_EXPIRATION_FLAG) { $0.expiration = $1 }
        result.delivery_mode = properties.persistent ? 2 : 1
        flags |= UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG)
        if let timestamp = properties.timestamp {
            result.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
            flags |= UInt32(AMQP_BASIC_TIMESTAMP_FLAG)
        }
        if !properties.headers.isEmpty {
            result.headers = table(properties.headers)
            flags |= UInt32(AMQP_BASIC_HEADERS_FLAG)
        }
        result._flags = amqp_flags_t(flags)
        return result
    }
}

/// Decoding what rabbitmq-c hands back; everything is copied into Swift values at once,
/// because rabbitmq-c reuses the memory when it next releases its buffers.
enum CDecode {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let pointer = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: bytes.len), as: UTF8.self)
    }

    static func data(_ bytes: amqp_bytes_t) -> Data {
        guard bytes.len > 0, let pointer = bytes.bytes else { return Data() }
        return Data(bytes: pointer, count: bytes.len)
    }

    static func table(_ table: amqp_table_t) -> [String: FieldValue] {
        var result: [String: FieldValue] = [:]
        for index in 0..<Int(table.num_entries) {
            let entry = table.entries[index]
            result[string(entry.key)] = field(entry.value)
        }
        return result
    }

    static func field(_ field: amqp_field_value_t) -> FieldValue {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue, AMQP_FIELD_KIND_BYTES.rawValue: .string(string(field.value.bytes))
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue, AMQP_FIELD_KIND_TIMESTAMP.rawValue: .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: .int(Int64(truncatingIfNeeded: field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: .string(String(field.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: .string(String(field.value.f64))
        default: .string("<AMQP field of kind \(field.kind)>")
        }
    }

    static func properties(_ raw: amqp_basic_properties_t) -> MessageProperties {
        let flags = UInt32(raw._flags)
        func has(_ flag: Int32) -> Bool { flags & UInt32(flag) != 0 }
        var result = MessageProperties(persistent: has(AMQP_BASIC_DELIVERY_MODE_FLAG) && raw.delivery_mode == 2)
        if has(AMQP_BASIC_CONTENT_TYPE_FLAG) { result.contentType = string(raw.content_type) }
        if has(AMQP_BASIC_MESSAGE_ID_FLAG) { result.messageID = string(raw.message_id) }
        if has(AMQP_BASIC_CORRELATION_ID_FLAG) { result.correlationID = string(raw.correlation_id) }
        if has(AMQP_BASIC_REPLY_TO_FLAG) { result.replyTo = string(raw.reply_to) }
        if has(AMQP_BASIC_TYPE_FLAG) { result.type = string(raw.type) }
        if has(AMQP_BASIC_EXPIRATION_FLAG) { result.expirationMilliseconds = Int(string(raw.expiration)) }
        if has(AMQP_BASIC_TIMESTAMP_FLAG) { result.timestamp = Date(timeIntervalSince1970: Double(raw.timestamp)) }
        if has(AMQP_BASIC_HEADERS_FLAG) { result.headers = table(raw.headers) }
        return result
    }
}
