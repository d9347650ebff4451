import Foundation
import TideJobs

/// Reads a `ProgressSample` off the queue `tide.progress`.
///
/// The training service writes `receivedAt` as RFC 3339 (JSONEncoder's
/// `.iso8601`, whole seconds); fractional seconds and a number of seconds
/// since 1970 are read too, so a sample is not lost to its time's spelling.
public enum ProgressSampleJSON {
    public static func decode(_ data: Data) throws -> ProgressSample {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            let text = try container.decode(String.self)
            guard let date = RFC3339.date(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
            }
            return date
        }
        return try decoder.decode(ProgressSample.self, from: data)
    }
}
