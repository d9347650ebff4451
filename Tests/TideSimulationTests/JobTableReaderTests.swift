import Testing
import TideSimulation

@Suite struct JobTableReaderTests {
    @Test func readsAGoodTableSkippingBlankLines() throws {
        let jobs = try TraceLoader.load(path: Fixtures.path("jobs-good.jsonl")).jobs
        #expect(jobs.count == 2)
        let a = jobs[0]
        #expect(a.name == "a" && a.arrival == 0 && a.application == "cifar10")
        #expect(a.work == 600 && a.requestedWorkers == 2 && a.maxWorkers == 4 && a.minWorkers == 1)
        #expect(a.speedup(3) == 2.5)
        // Past the end of the curve, its last value.
        #expect(a.speedup(9) == 3.0)
        #expect(jobs[1].arrival == 30.5)
    }

    @Test func readsTheCommittedSyntheticTrace() throws {
        let jobs = try Fixtures.synthetic40()
        #expect(jobs.count == 40)
        #expect(Set(jobs.map(\.name)).count == 40)
    }

    @Test(arguments: [
        ("jobs-missing-field.jsonl", 2, "work"),
        ("jobs-bad-type.jsonl", 3, "tunedWorkers"),
        ("jobs-bad-range.jsonl", 1, "tunedWorkers"),
    ])
    func rejectsABadRowNamingFileLineAndField(file: String, line: Int, field: String) throws {
        let path = Fixtures.path(file)
        #expect {
            try TraceLoader.load(path: path)
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            let text = "\(error)"
            return error.line == line && error.field == field && text.contains("\(file):\(line):")
                && text.contains(field)
        }
    }

    static let good = #"{"name": "ok", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": [1, 2]}"#

    /// Each bad line follows a good line and a blank one, so it is line 3.
    @Test(arguments: [
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "speedup": [1]}"#, "work"),
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": -5, "speedup": [1]}"#, "work"),
        (#"{"name": "z", "time": -1, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": [1]}"#, "time"),
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 3, "maxWorkers": 2, "work": 5, "speedup": [1]}"#, "tunedWorkers"),
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": []}"#, "speedup"),
        (#"{"name": "ok", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": [1]}"#, "name"),
        (#"{"name": "z", "time": "soon", "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": [1]}"#, "time"),
        // Each of these crashed, hung or stopped at the first round before.
        (#"{"name": "", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": [1]}"#, "name"),
        (#"{"name": "z", "time": 1e18, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 5, "speedup": [1]}"#, "time"),
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 1e15, "speedup": [1]}"#, "work"),
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 1000000000, "work": 5, "speedup": [1]}"#, "maxWorkers"),
        (#"{"name": "z", "time": 0, "application": "x", "tunedWorkers": 2.5, "maxWorkers": 4, "work": 5, "speedup": [1]}"#, "tunedWorkers"),
    ])
    func rejectsABadLineNamingItsLineAndField(line: String, field: String) throws {
        #expect {
            try JobTableReader.parse(Self.good + "\n\n" + line + "\n", file: "t.jsonl")
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error.line == 3 && error.field == field && "\(error)".hasPrefix("t.jsonl:3: \(field):")
        }
    }

    @Test func invalidJSONIsRefusedNamingTheLineAndSayingSo() throws {
        #expect {
            try JobTableReader.parse(Self.good + "\n{\"name\": \"z\", \n", file: "t.jsonl")
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error.line == 2 && !error.field.isEmpty && "\(error)".contains("not valid JSON")
        }
    }

    @Test func windowsLineEndingsReadLikeUnixOnes() throws {
        let other = Self.good.replacingOccurrences(of: "\"ok\"", with: "\"other\"")
        let jobs = try JobTableReader.parse(Self.good + "\r\n" + other + "\r\n", file: "crlf.jsonl")
        #expect(jobs.map(\.name) == ["ok", "other"])
    }

    @Test func aStartRowWithoutACountStillSkipsRows() throws {
        let jobs = try TraceLoader.load(path: Fixtures.path("jobs-good.jsonl"), sample: .init(start: 1)).jobs
        #expect(jobs.map(\.name) == ["b"])
    }

    @Test func formatThenParseGivesTheSameJobs() throws {
        let jobs = try Fixtures.synthetic40()
        #expect(try JobTableReader.parse(try JobTableReader.format(jobs), file: "round-trip") == jobs)
    }
}
