import Foundation
import Testing
import TideTestSupport
import Yams

/// `cmd create/get/describe/patch/delete` as a user runs them: the built `cmd` against a
/// real `training-service` process on the shared RabbitMQ and SecantusDB.
@Suite struct ClientCommandTests {
    static func jobYAML(_ name: String, accelerator: String = "local-gpu", priority: Int = 0, max: Int = 4) -> String {
        """
        apiVersion: tide/v1
        kind: TrainingJob
        metadata: {name: \(name)}
        spec:
          accelerator: \(accelerator)
          workers: {min: 1, max: \(max)}
          priority: \(priority)
          epochs: 10
          template: {command: [python3, train.py]}
        """
    }

    /// The stored names `cmd create` printed, in order.
    static func createdNames(_ result: RunResult) -> [String] {
        result.output.split(separator: "\n").compactMap { line in
            line.hasPrefix("Training job created: ") ? String(line.dropFirst("Training job created: ".count)) : nil
        }
    }

    static func jobsJSON(_ service: ServiceUnderTest, _ extra: [String] = []) throws -> [[String: Any]] {
        let result = try service.cmd(["get", "jobs", "-o", "json"] + extra)
        #expect(result.status == 0, "\(result.errors)")
        let root = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return root?["items"] as? [[String: Any]] ?? []
    }

    @Test func createFromFilesDirectoriesAndStdinThenList() async throws {
        try await ServiceUnderTest.with { service in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-\(UUID().uuidString.prefix(6))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try Self.jobYAML("alpha", priority: 2).write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
            try #"{"apiVersion": "tide/v1", "kind": "TrainingJob", "metadata": {"name": "beta"}, "spec": {"accelerator": "t4", "workers": {"min": 1, "max": 2}, "epochs": 3, "template": {"image": "x/y:1"}}}"#
                .write(to: directory.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
            try "not a job".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

            let fromDirectory = try service.cmd(["create", "-f", directory.path])
            #expect(fromDirectory.status == 0, "\(fromDirectory.errors)")
            let names = Self.createdNames(fromDirectory)
            #expect(names.count == 2)
            #expect(names.first?.hasPrefix("alpha-") == true && names.last?.hasPrefix("beta-") == true, "\(names)")

            // Two documents in one YAML stream on stdin.
            let stream = Self.jobYAML("gamma") + "\n---\n# the second\n" + Self.jobYAML("delta", accelerator: "t4")
            let fromStdin = try service.cmd(["create", "-f", "-"], input: Data(stream.utf8))
            #expect(fromStdin.status == 0, "\(fromStdin.errors)")
            #expect(Self.createdNames(fromStdin).map { $0.prefix(5) } == ["gamma", "delta"])

            let table = try service.cmd(["get", "jobs"])
            #expect(table.status == 0, "\(table.errors)")
            let lines = table.output.split(separator: "\n").map(String.init)
            #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true)
                == ["NAME", "STATUS", "WORKERS", "ACCELERATOR", "WAITING", "RUNNING", "TOTAL"])
            #expect(lines.count == 5)
            let alpha = try #require(lines.first { $0.hasPrefix("alpha-") }).split(separator: " ").map(String.init)
            #expect(alpha.count == 7 && alpha[1] == "Submitted" && alpha[2] == "0" && alpha[3] == "local-gpu")
            #expect(alpha[4].hasSuffix("s") && alpha[6].hasSuffix("s"), "durations like 28s or 1m5s: \(alpha)")
            // Columns line up: every row's STATUS starts where the header's does.
            let column = try #require(lines[0].range(of: "STATUS")).lowerBound.utf16Offset(in: lines[0])
            for line in lines.dropFirst() {
                #expect(line.range(of: "Submitted")?.lowerBound.utf16Offset(in: line) == column, "\(line)")
            }

            let onT4 = try Self.jobsJSON(service, ["--accelerator", "t4"])
            #expect(onT4.compactMap { ($0["metadata"] as? [String: Any])?["submittedName"] as? String } == ["beta", "delta"])

            let wide = try service.cmd(["get", "jobs", "-o", "wide", "--accelerator", "local-gpu"])
            #expect(wide.output.hasPrefix("NAME"))
            #expect(wide.output.contains("PRIORITY") && wide.output.contains("MAX"))
            #expect(wide.output.split(separator: "\n").count == 3)

            let yaml = try service.cmd(["get", "jobs", "-o", "yaml"])
            let parsed = try #require(try Yams.load(yaml: yaml.output) as? [String: Any])
            #expect((parsed["items"] as? [Any])?.count == 4)

            let one = try service.cmd(["get", "job", names[0], "-o", "json"])
            let job = try #require(try JSONSerialization.jsonObject(with: one.stdout) as? [String: Any])
            #expect((job["spec"] as? [String: Any])?["priority"] as? Int == 2)
        }
    }

    /// The database takes the job's insert 6 s after the service's connection to it broke,
    /// so the service answers 503; `cmd create` sends the create again with its key, and
    /// the user sees one job created, stored once.
    @Test func aCreateAnswered503IsSentAgainAndStoredOnce() async throws {
        let proxy = try await CutProxy.start(
            to: try TestServers.mongoURI, cutting: "insert", on: "jobs", times: 2, landingAfter: .seconds(6))
        try await ServiceUnderTest.with(mongoURI: proxy.uri) { service in
            let created = try service.cmd(["create", "-f", "-"], input: Data(Self.jobYAML("flaky").utf8))
            #expect(created.status == 0, "\(created.errors)")
            #expect(proxy.cuts == 2)
            let names = Self.createdNames(created)
            #expect(names.count == 1 && names.first?.hasPrefix("flaky-") == true, "\(created.output)")
            for _ in 0..<200 where proxy.landings < 2 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(proxy.landings == 2)
            #expect(try Self.jobsJSON(service).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String } == names)
        }
        await proxy.stop()
    }

    @Test func describePatchAndDelete() async throws {
        try await ServiceUnderTest.with { service in
            let created = try service.cmd(["create", "-f", "-"], input: Data(Self.jobYAML("resnet").utf8))
            let name = try #require(Self.createdNames(created).first)

            let patched = try service.cmd(["patch", "job", name, "--priority", "7", "--max-workers", "2"])
            #expect(patched.status == 0, "\(patched.errors)")
            #expect(patched.output == "Training job patched: \(name)\n")
            let refused = try service.cmd(["patch", "job", name, "--max-workers", "0"])
            #expect(refused.status != 0)
            #expect(refused.errors.contains("spec.workers.max: must be between 1 and"), "\(refused.errors)")

            let described = try service.cmd(["describe", "job", name])
            #expect(described.status == 0, "\(described.errors)")
            for expected in ["Name:", name, "Status:", "Submitted", "Pending:", "Priority:", "7", "max 2", "Events:",
                             "Created", "Updated"] {
                #expect(described.output.contains(expected), "missing \(expected) in:\n\(described.output)")
            }

            let deleted = try service.cmd(["delete", name, "no-such-job"])
            #expect(deleted.status == 1)
            #expect(deleted.output == "Training job deleted: \(name)\n")
            #expect(deleted.errors.contains("no-such-job: no job named \"no-such-job\""), "\(deleted.errors)")
            let jobs = try Self.jobsJSON(service, ["--status", "Canceled"])
            #expect(jobs.count == 1)
            let again = try service.cmd(["patch", "job", name, "--priority", "1"])
            #expect(again.status != 0 && !again.errors.isEmpty, "a finished job cannot be patched")
        }
    }

    @Test func refusedDocumentsAreReportedAndNothingIsStored() async throws {
        try await ServiceUnderTest.with { service in
            let bad = Self.jobYAML("Bad_Name", max: 0)
            let result = try service.cmd(["create", "-f", "-"], input: Data(bad.utf8))
            #expect(result.status == 1)
            #expect(result.output.isEmpty)
            #expect(result.errors.contains("metadata.name"), "\(result.errors)")
            #expect(result.errors.contains("spec.workers.max"), "every error, not just the first: \(result.errors)")
            // One good and one bad document: the good one is stored, the bad one named.
            let mixed = Self.jobYAML("good") + "\n---\n" + "apiVersion: tide/v1\nkind: Deployment\n"
            let partly = try service.cmd(["create", "-f", "-"], input: Data(mixed.utf8))
            #expect(partly.status == 1)
            #expect(Self.createdNames(partly).count == 1)
            #expect(partly.errors.contains("stdin#2: kind: must be TrainingJob"), "\(partly.errors)")
            #expect(try Self.jobsJSON(service).count == 1)

            let missing = try service.cmd(["create", "-f", "/nonexistent/job.yaml"])
            #expect(missing.status != 0 && missing.errors.contains("/nonexistent/job.yaml: no such file"))
            let noFile = try service.cmd(["create"])
            #expect(noFile.status != 0 && noFile.errors.contains("-f"))
        }
    }

    @Test func serverAndTokenFromFlagsEnvironmentOrConfigFile() async throws {
        try await ServiceUnderTest.with { service in
            let bare: [String: String?] = ["TIDE_SERVER": nil, "TIDE_TOKEN": nil]

            let noToken = try service.cmd(["get", "jobs", "--server", service.url], environment: bare)
            #expect(noToken.status == 1)
            #expect(noToken.errors.contains("missing API token") && noToken.errors.contains("--token"), "\(noToken.errors)")
            let wrong = try service.cmd(["get", "jobs"], environment: ["TIDE_TOKEN": "wrong"])
            #expect(wrong.status == 1 && wrong.errors.contains("TIDE_TOKEN was refused"), "\(wrong.errors)")
            let flags = try service.cmd(["get", "jobs", "--server", service.url, "--token", ServiceUnderTest.token],
                                        environment: bare)
            #expect(flags.status == 0, "\(flags.errors)")

            let config = service.home.appendingPathComponent(".config/tide")
            try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
            try "server: \(service.url)\ntoken: \(ServiceUnderTest.token)\n"
                .write(to: config.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            let fromFile = try service.cmd(["get", "jobs"], environment: bare)
            #expect(fromFile.status == 0, "\(fromFile.errors)")
            // The environment beats the file, and a flag beats both.
            let envWins = try service.cmd(["get", "jobs"], environment: ["TIDE_TOKEN": "wrong"])
            #expect(envWins.status == 1)
            let flagWins = try service.cmd(["get", "jobs", "--token", ServiceUnderTest.token], environment: ["TIDE_TOKEN": "wrong"])
            #expect(flagWins.status == 0)

            try "server: [1, 2]\ncolour: blue\n".write(to: config.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            let badFile = try service.cmd(["get", "jobs"], environment: bare)
            #expect(badFile.status == 1 && badFile.errors.contains("unknown key colour"), "\(badFile.errors)")
        }
    }

    @Test func unreachableServerIsOneLineNamingTheAddress() throws {
        // A port nothing listens on: bind one, note it, close it.
        let address = "http://127.0.0.1:\(unusedPort())"
        let result = try runCmd(["get", "jobs", "--server", address, "--token", "x"], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 1)
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 1, "\(result.errors)")
        #expect(lines.first?.contains("cannot reach the Tide server at \(address)") == true, "\(result.errors)")
        let bad = try runCmd(["get", "jobs", "--server", "localhost:55587"], environment: ["HOME": "/nonexistent"])
        #expect(bad.status != 0 && bad.errors.contains("is not an http:// or https:// URL"), "\(bad.errors)")
    }

    @Test func watchPrintsTheListThenEachChange() async throws {
        try await ServiceUnderTest.with { service in
            let first = try service.cmd(["create", "-f", "-"], input: Data(Self.jobYAML("before").utf8))
            #expect(first.status == 0)
            let watch = try ChildProcess(
                [try builtExecutable("cmd").path, "get", "jobs", "-w", "--timeout", "20"], environment: service.environment())
            // The header comes once the existing jobs are in: changes after it are changes.
            _ = try await watch.waitForLog("NAME")
            let second = try service.cmd(["create", "-f", "-"], input: Data(Self.jobYAML("after").utf8))
            let name = try #require(Self.createdNames(second).first)
            _ = try service.cmd(["delete", name])
            // The watch ends by itself after --timeout.
            let deadline = ContinuousClock.now + .seconds(60)
            while watch.exited == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(watch.exited == 0, "\(watch.log)")
            let lines = watch.log.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("NAME") == true)
            #expect(lines.dropFirst().map { String($0.prefix(6)) } == ["before", "after-", "after-"], "\(lines)")
            #expect(lines.last?.contains("Canceled") == true)
        }
    }

    @Test func completionScripts() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try runCmd(["completion", shell])
            #expect(result.status == 0)
            for word in ["create", "describe", "delete", "patch", "allocate"] {
                #expect(result.output.contains(word), "\(shell) script lacks \(word)")
            }
        }
        #expect(try runCmd(["completion", "powershell"]).status != 0)
    }
}
