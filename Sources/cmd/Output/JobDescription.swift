import Foundation
import TideCore

/// The text of `cmd describe job`: labelled fields, then the job's events, oldest first.
struct JobDescription {
    let job: JSONValue
    let events: [JSONValue]
    let now: Date

    func lines() -> [String] {
        let row = JobRow(job: job)
        let spec = job["spec"] ?? .object([:])
        let workers = spec["workers"]
        var fields: [(String, String)] = [
            ("Name", row.name),
            ("Submitted as", job["metadata"]?["submittedName"]?.stringValue ?? ""),
            ("Accelerator", row.accelerator),
            ("Status", row.state),
        ]
        if !row.message.isEmpty { fields.append(("Message", row.message)) }
        if let pending = pendingReason(row) { fields.append(("Pending", pending)) }
        fields += [
            ("Workers", "\(row.workers) now (min \(text(workers?["min"])), max \(text(workers?["max"])), "
                + "requested \(text(spec["requestedWorkers"])), \(text(spec["gpusPerWorker"])) GPU each)"),
            ("Priority", text(spec["priority"])),
            ("Preemptible", text(spec["preemptible"])),
            ("Queue", text(spec["queue"])),
            ("Epochs", text(spec["epochs"])),
            ("Resize", text(spec["resize"])),
            ("Max retries", text(spec["maxRetries"])),
        ]
        if let limit = spec["timeLimit"] { fields.append(("Time limit", text(limit))) }
        if let failback = spec["failback"]?["accelerator"] { fields.append(("Failback", text(failback))) }
        if let image = spec["template"]?["image"] { fields.append(("Image", text(image))) }
        if let command = spec["template"]?["command"]?.arrayValue {
            fields.append(("Command", command.map(text).joined(separator: " ")))
        }
        if spec["mpiJob"] != nil { fields.append(("Source", "kubeflow.org/v1 MPIJob")) }
        fields += [
            ("Submitted", time(row.submittedAt)),
            ("Started", time(row.startedAt)),
            ("Finished", time(row.finishedAt)),
            ("Waiting", ElapsedText.text(seconds: row.waiting(now: now))),
            ("Running", ElapsedText.text(seconds: row.running(now: now))),
            ("Version", text(job["metadata"]?["version"])),
        ]
        if let placement = job["status"]?["placement"]?.arrayValue, !placement.isEmpty {
            fields.append(("Nodes", placement.map(text).joined(separator: ", ")))
        }
        let width = (fields.map(\.0.count).max() ?? 0) + 2
        var lines = fields.map { label, value in
            (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value
        }
        lines.append("Events:")
        if events.isEmpty {
            lines.append("  <none>")
        } else {
            let rows = events.map { event in
                [text(event["time"]), text(event["type"]), text(event["state"]), text(event["message"])]
            }
            lines += TextTable.render(header: ["TIME", "TYPE", "STATE", "MESSAGE"], rows: rows).map { "  " + $0 }
        }
        return lines
    }

    /// Why a job without workers waits, in words a user can act on.
    private func pendingReason(_ row: JobRow) -> String? {
        guard row.state == "Submitted" || row.state == "Waiting" else { return nil }
        if !row.message.isEmpty { return row.message }
        return row.state == "Submitted"
            ? "not yet taken by the scheduler of \(row.accelerator) (is one running for that GPU type?)"
            : "waiting for GPUs of type \(row.accelerator)"
    }

    private func text(_ value: JSONValue?) -> String {
        value.map(JobRow.text) ?? "-"
    }

    private func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return "\(formatter.string(from: date)) (\(ElapsedText.text(seconds: Int(now.timeIntervalSince(date)))) ago)"
    }
}
