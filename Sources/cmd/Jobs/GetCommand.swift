import ArgumentParser
import Foundation
import TideCore

/// `cmd get jobs` and `cmd get job NAME`.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "List jobs or nodes, or show one job.",
        subcommands: [GetJobsCommand.self, GetJobCommand.self, GetNodesCommand.self])
}

struct GetJobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs: NAME STATUS WORKERS ACCELERATOR WAITING RUNNING TOTAL.")

    @Option(name: [.short, .customLong("output")], help: "wide, json or yaml.")
    var output: OutputFormat = .table

    @Flag(name: [.short, .customLong("watch")], help: "After the list, print each job again as it changes.")
    var watch = false

    @Option(help: "Only jobs of this GPU type.")
    var accelerator: String?

    @Option(help: ArgumentHelp("Only jobs in these states, comma-separated (e.g. Running,Waiting).",
                               valueName: "states"))
    var status: String?

    @Option(help: ArgumentHelp("With -w: stop watching after this many seconds.", valueName: "seconds"))
    var timeout: Int?

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
        if timeout != nil && !watch { throw ValidationError("--timeout applies to -w only") }
    }

    private var statuses: [String] {
        (status ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        let api = try client.client()
        if watch { return try await runWatch(api) }
        let jobs = try await api.listJobs(accelerator: accelerator, statuses: statuses)
        switch output {
        case .json, .yaml:
            Console.print(try OutputFormat.document(["items": .array(jobs)], as: output), terminator: "")
        case .table, .wide:
            if jobs.isEmpty {
                Console.printError("No jobs found.")
                return
            }
            JobRow.table(jobs, now: Date(), wide: output == .wide).forEach { Console.print($0) }
        }
    }

    /// The jobs there are, then each change as a row (tables) or a document (json/yaml).
    private func runWatch(_ api: TideAPIClient) async throws {
        let lines = try await api.watchJobs(accelerator: accelerator, statuses: statuses, timeoutSeconds: timeout)
        let wide = output == .wide
        var table = TextTable(header: wide ? JobRow.wideColumns : JobRow.columns)
        // The jobs listed at the start, laid out together once the server says they are all sent.
        var existing: [JSONValue]? = []
        for try await line in lines {
            let type = line["type"]?.stringValue
            if type == "Synced", let jobs = existing {
                existing = nil
                if output == .table || output == .wide {
                    let rows = jobs.map { JobRow(job: $0).cells(now: Date(), wide: wide) }
                    table.widen(with: rows)
                    Console.print(table.line(table.header))
                    rows.forEach { Console.print(table.line($0)) }
                } else {
                    for job in jobs { try printDocument(job) }
                }
                continue
            }
            guard let job = line["job"] else { continue }
            if type == "Existing", existing != nil {
                existing?.append(job)
            } else if output == .table || output == .wide {
                Console.print(table.line(JobRow(job: job).cells(now: Date(), wide: wide)))
            } else {
                try printDocument(job)
            }
        }
    }

    private func printDocument(_ job: JSONValue) throws {
        Console.print(try OutputFormat.document(job, as: output), terminator: output == .yaml ? "---\n" : "")
    }
}

struct GetJobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "job", abstract: "Show one job.")

    @Argument(help: ArgumentHelp("The stored job name.", valueName: "name"))
    var name: String

    @Option(name: [.short, .customLong("output")], help: "wide, json or yaml.")
    var output: OutputFormat = .table

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let job = try await client.client().job(name)
        switch output {
        case .json, .yaml:
            Console.print(try OutputFormat.document(job, as: output), terminator: "")
        case .table, .wide:
            JobRow.table([job], now: Date(), wide: output == .wide).forEach { Console.print($0) }
        }
    }
}
