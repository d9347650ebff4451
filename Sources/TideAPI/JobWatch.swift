import Foundation
import Hummingbird
import TideCore
import TideJobs
import TideStore

/// `GET /v1/jobs?watch=true`: newline-delimited JSON, first every matching job
/// (`{"type": "Existing", "job": ...}`), then `{"type": "Synced"}` (a client can lay out
/// what it has), then one line per event from the event log
/// (`{"type": "Created" | "Updated" | "Canceled" | ..., "event": ..., "job": ...}`).
///
/// It polls the `events` collection: every replica's writes reach every watcher
/// without a broker, and a replica that restarts loses nothing it must replay.
struct JobWatch: Sendable {
    let service: JobService
    let query: ListQuery
    let interval: Duration
    let shutdown: @Sendable () -> Bool

    /// One line of the stream.
    struct Line: Encodable {
        var type: String
        var event: JobHistoryEvent?
        var job: StoredJob?
    }

    /// Events written this long before the newest one seen are still looked for:
    /// an event stamped earlier but inserted later (another replica) is not missed.
    private static let lookBack: TimeInterval = 5

    func stream(to writer: inout any ResponseBodyWriter) async throws {
        let start = JobService.millisecond(Date())
        let deadline = query.timeoutSeconds.map { ContinuousClock.now + .seconds($0) }
        var listQuery = query
        listQuery.continueToken = nil
        let existing = try await service.list(listQuery)
        for job in existing.items {
            try await write(Line(type: "Existing", job: job), to: &writer)
        }
        try await write(Line(type: "Synced"), to: &writer)
        var cursor = start.addingTimeInterval(-Self.lookBack)
        var seen: [String: Date] = [:]
        while !Task.isCancelled && !shutdown() {
            if let deadline, ContinuousClock.now >= deadline { break }
            let found = try await service.events.collection.find(
                ["time": ["$gte": .date(cursor)]], sort: [SortKey("time"), SortKey("_id")], limit: 500)
            for recorded in found where seen[recorded.id] == nil {
                seen[recorded.id] = recorded.event.time
                // Events from before the watch began belong to the jobs listed above.
                guard recorded.event.time >= start else { continue }
                guard matches(recorded.event) else { continue }
                let job = try? await service.get(recorded.event.job)
                if let job, !query.statuses.isEmpty, !query.statuses.contains(job.status.state) { continue }
                try await write(Line(type: recorded.event.type, event: recorded.event, job: job), to: &writer)
            }
            if let newest = found.last?.event.time {
                cursor = max(cursor, newest.addingTimeInterval(-Self.lookBack))
            }
            seen = seen.filter { $0.value >= cursor }
            try? await Task.sleep(for: interval)
        }
    }

    private func matches(_ event: JobHistoryEvent) -> Bool {
        if let accelerator = query.accelerator, event.accelerator != accelerator { return false }
        return true
    }

    private func write(_ line: Line, to writer: inout any ResponseBodyWriter) async throws {
        var data = try JobJSON.encode(line)
        data.append(UInt8(ascii: "\n"))
        try await writer.write(ByteBuffer(bytes: data))
    }
}
