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

    @Test func aDuplicateNameIsRefused() throws {
        let line = #"{"name": "a", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 1, "work": 5, "speedup": [1]}"#
        #expect(throws: TraceError.self) { try JobTableReader.parse(line + "\n" + line, file: "dup.jsonl") }
    }

    @Test func formatThenParseGivesTheSameJobs() throws {
        let jobs = try Fixtures.synthetic40()
        #expect(try JobTableReader.parse(try JobTableReader.format(jobs), file: "round-trip") == jobs)
    }
}
