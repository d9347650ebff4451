import Foundation

/// The opaque `continue` token of a paged list: where the last page ended, and for which query.
///
/// Pages are in name order and the token holds the last name returned, so a
/// document created or deleted between pages neither repeats nor shifts the
/// others. The query's filters are part of the token: it is refused for another query.
struct ContinueToken: Codable, Equatable {
    var after: String
    var query: String

    private enum CodingKeys: String, CodingKey {
        case after = "a"
        case query = "q"
    }

    var encoded: String {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(after: String, query: String) {
        self.after = after
        self.query = query
    }

    /// Decodes a token and checks it belongs to `query`.
    init(decoding token: String, query: String) throws {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let decoded = try? JSONDecoder().decode(ContinueToken.self, from: data)
        else {
            throw StoreError.invalidContinueToken("\"\(token.prefix(40))\" was not issued by this store")
        }
        guard decoded.query == query else {
            throw StoreError.invalidContinueToken("it was issued for another query (other filters)")
        }
        self = decoded
    }
}
