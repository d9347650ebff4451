import Foundation

/// Codable values to and from MongoDB documents, through extended JSON.
///
/// Encoding writes JSON with dates as `{"$date": {"$numberLong": "<ms>"}}`,
/// which libbson stores as BSON dates; integers become int32 or int64 by
/// size. Decoding reads libbson's relaxed extended JSON and accepts dates in
/// both its ISO-8601 and `$numberLong` forms. Optionals that are nil are
/// omitted; unknown fields (such as `_id`) are ignored by synthesized
/// `Decodable` conformances. Keys must not start with `$` (MongoDB reserves them).
public enum BSONCoder {
    /// The extended JSON text of `value`, which must encode as a keyed container (a document).
    public static func encode<T: Encodable>(_ value: T) throws(BSONCodingError) -> String {
        let data: Data
        do {
            data = try makeEncoder().encode(value)
        } catch let error as EncodingError {
            throw BSONCodingError(describe(error))
        } catch {
            throw BSONCodingError("\(error)")
        }
        guard data.first == UInt8(ascii: "{") else {
            throw BSONCodingError("\(T.self) does not encode as a document (a keyed container)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes `type` from relaxed (or canonical-date) extended JSON.
    public static func decode<T: Decodable>(_ type: T.Type, from json: String) throws(BSONCodingError) -> T {
        do {
            return try makeDecoder().decode(type, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw BSONCodingError(describe(error))
        } catch {
            throw BSONCodingError("\(error)")
        }
    }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.container(keyedBy: ExtendedKey.self)
            var inner = container.nestedContainer(keyedBy: ExtendedKey.self, forKey: .date)
            try inner.encode(String(BSONDate.milliseconds(date)), forKey: .numberLong)
        }
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.container(keyedBy: ExtendedKey.self)
            if let text = try? container.decode(String.self, forKey: .date) {
                guard let millis = BSONDate.milliseconds(iso8601: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .date, in: container, debugDescription: "\"\(text)\" is not an ISO-8601 date")
                }
                return BSONDate.date(milliseconds: millis)
            }
            let inner = try container.nestedContainer(keyedBy: ExtendedKey.self, forKey: .date)
            let text = try inner.decode(String.self, forKey: .numberLong)
            guard let millis = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .numberLong, in: inner, debugDescription: "\"\(text)\" is not a millisecond count")
            }
            return BSONDate.date(milliseconds: millis)
        }
        return decoder
    }

    /// "field `spec.workers.min`: expected Int ..." rather than Foundation's nested dump.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field `\(path(context.codingPath + [key]))`"
        case .typeMismatch(let type, let context):
            return "field `\(path(context.codingPath))`: expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "field `\(path(context.codingPath))`: expected \(type), found null"
        case .dataCorrupted(let context):
            return "field `\(path(context.codingPath))`: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func describe(_ error: EncodingError) -> String {
        switch error {
        case .invalidValue(let value, let context):
            return "field `\(path(context.codingPath))`: cannot encode \(value): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// A dotted path with array indices in brackets: `spec.env[2].name`; `(document)` for the root.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == "\(index)" {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(document)" : text
    }

    enum ExtendedKey: String, CodingKey {
        case date = "$date"
        case numberLong = "$numberLong"
    }
}

/// A value that does not encode as a document, or a document that does not decode.
public struct BSONCodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
