import Foundation

/// What the supervisor says of the stack, in `status.json`, for `cmd status` and `cmd up`.
public struct StackStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case starting, ready, restarting, stopping, stopped, failed
    }

    public struct Part: Codable, Sendable, Equatable {
        public var name: String
        public var state: State
        public var pid: Int32?
        /// The port it serves on, for `cmd status`.
        public var port: Int?
        public var restarts: Int
        /// When it entered `state`.
        public var since: Date
        /// How its last process ended, and why a failed part failed.
        public var message: String?
    }

    public var supervisorPID: Int32
    /// `starting` until every part is ready once; `failed` if start-up gave up.
    public var state: State
    public var message: String?
    public var parts: [Part]
    /// The last metrics-collector run.
    public var collector: Part?
    public var updated: Date

    public static func load(from file: URL) -> StackStatus? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(StackStatus.self, from: data)
    }

    func save(to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: file)
    }
}
