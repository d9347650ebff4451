import Foundation
import TideCore

/// A served job read for display: the fields the tables show, from its JSON.
struct JobRow {
    let job: JSONValue

    var name: String { job["metadata"]?["name"]?.stringValue ?? "?" }
    var state: String { job["status"]?["state"]?.stringValue ?? "?" }
    var workers: String { job["status"]?["workers"].map(Self.text) ?? "0" }
    var accelerator: String { spec("accelerator") }
    var message: String { job["status"]?["message"]?.stringValue ?? "" }

    func spec(_ key: String) -> String { job["spec"]?[key].map(Self.text) ?? "" }

    var submittedAt: Date? { date("submittedAt") }
    var startedAt: Date? { date("startedAt") }
    var finishedAt: Date? { date("finishedAt") }

    /// Submission to the first worker (or to now, or to the end if it never ran).
    func waiting(now: Date) -> Int {
        guard let submittedAt else { return 0 }
        return seconds(from: submittedAt, to: startedAt ?? finishedAt ?? now)
    }

    /// First worker to the end (or to now).
    func running(now: Date) -> Int {
        guard let startedAt else { return 0 }
        return seconds(from: startedAt, to: finishedAt ?? now)
    }

    func total(now: Date) -> Int {
        guard let submittedAt else { return 0 }
        return seconds(from: submittedAt, to: finishedAt ?? now)
    }

    static let columns = ["NAME", "STATUS", "WORKERS", "ACCELERATOR", "WAITING", "RUNNING", "TOTAL"]
    static let wideColumns = columns + ["MIN", "MAX", "PRIORITY", "PREEMPTIBLE", "QUEUE", "MESSAGE"]

    func cells(now: Date, wide: Bool) -> [String] {
        var cells = [
            name, state, workers, accelerator, ElapsedText.text(seconds: waiting(now: now)),
            ElapsedText.text(seconds: running(now: now)), ElapsedText.text(seconds: total(now: now)),
        ]
        if wide {
            let bounds = job["spec"]?["workers"]
            cells += [
                bounds?["min"].map(Self.text) ?? "", bounds?["max"].map(Self.text) ?? "", spec("priority"),
                spec("preemptible"), spec("queue"), message.isEmpty ? "-" : message,
            ]
        }
        return cells
    }

    /// The table of `jobs`, header first, columns fitted to all rows.
    static func table(_ jobs: [JSONValue], now: Date, wide: Bool) -> [String] {
        TextTable.render(
            header: wide ? wideColumns : columns, rows: jobs.map { JobRow(job: $0).cells(now: now, wide: wide) })
    }

    private func date(_ key: String) -> Date? {
        job["status"]?[key]?.stringValue.flatMap(Self.parseTime)
    }

    private func seconds(from start: Date, to end: Date) -> Int {
        max(0, Int(end.timeIntervalSince(start).rounded(.down)))
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: ""
        case .array, .object: (try? JSONCoding.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    /// RFC 3339, with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        let whole = ISO8601DateFormatter()
        whole.formatOptions = [.withInternetDateTime]
        return whole.date(from: text)
    }
}
