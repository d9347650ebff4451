import Testing
import TideSimulation

/// The Philly mapping of `shared/traces/README.md`, on a five-row excerpt whose
/// curves come from `Fixtures/pollux/speedup-curves.csv`, found beside it.
@Suite struct PhillyTraceReaderTests {
    func load(start: Int = 0, count: Int? = nil, skip: Bool = false, file: String = "philly-small.csv") throws
        -> TraceLoader.Loaded
    {
        try TraceLoader.load(path: Fixtures.path(file), sample: .init(start: start, count: count, skipBadRows: skip))
    }

    @Test func mapsRowsByGPUTimeInTimestampOrder() throws {
        let jobs = try load().jobs
        // Sorted by timestamp, ties kept in file order (lines 3 and 5 share 07:00:55).
        #expect(jobs.map(\.application) == ["deepspeech2", "imagenet", "cifar10", "yolov3", "cifar10"])
        #expect(jobs.map(\.arrival) == [0, 0, 60, 65, 3_545])
        #expect(jobs.map(\.requestedWorkers) == [1, 4, 1, 2, 40])
        // Twice the GPUs, capped at 64.
        #expect(jobs.map(\.maxWorkers) == [2, 8, 2, 4, 64])
        #expect(jobs.allSatisfy { $0.minWorkers == 1 })
        // work = duration × speedup(num_gpus); the 40-GPU job is past its curve's end.
        #expect(jobs.map(\.work) == [7_000, 3_600, 66, 170, 15])
    }

    @Test func samplesConsecutiveRowsFromAStartRow() throws {
        let jobs = try load(start: 1, count: 2).jobs
        #expect(jobs.map(\.application) == ["imagenet", "cifar10"])
        // Arrivals restart from the first sampled row.
        #expect(jobs.map(\.arrival) == [0, 60])
    }

    @Test func aBadRowStopsTheReadNamingLineAndField() throws {
        #expect {
            try load(file: "philly-bad.csv")
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error.line == 4 && error.field == "duration" && "\(error)".contains("philly-bad.csv:4: duration")
        }
    }

    @Test func skipBadRowsReportsHowManyAndTheFirstReason() throws {
        let loaded = try load(skip: true, file: "philly-bad.csv")
        #expect(loaded.jobs.count == 3)
        let note = try #require(loaded.notes.first)
        #expect(note.contains("skipped 3"))
        #expect(note.contains("philly-bad.csv:4: duration"))
    }

    @Test func theOtherBadFieldsAreNamedToo() throws {
        let header = "timestamp,duration,num_gpus,gpu_time,cluster\n"
        let cases = [
            ("2017-10-32 07:00:55,10,1,10,c", "timestamp"),
            ("2017-10-09 07:00:55,10,two,10,c", "num_gpus"),
            ("2017-10-09 07:00:55,10,1,-3,c", "gpu_time"),
            // Each of these crashed or was read wrongly before.
            ("2017-02-31 07:00:55,10,1,10,c", "timestamp"),
            ("99999999999999-01-01 00:00:00,10,1,10,c", "timestamp"),
            ("-5-01-01 00:00:00,10,1,10,c", "timestamp"),
            ("2017-10-09 07:00:55,10,4611686018427387904,10,c", "num_gpus"),
            ("2017-10-09 07:00:55,1.7e308,8,10,c", "duration"),
        ]
        for (row, field) in cases {
            #expect {
                try PhillyTraceReader.parse(header + row + "\n", file: "p.csv", curves: ["cifar10": [1]])
            } throws: { error in
                (error as? TraceError).map { $0.line == 2 && $0.field == field } ?? false
            }
        }
    }

    /// A sample past the end, or negative, is an error naming the start, not an empty run or a crash.
    @Test func aSampleOutsideTheTraceIsRefused() throws {
        for (start, count) in [(5, nil), (-1, nil), (0, -1)] as [(Int, Int?)] {
            #expect(throws: TraceError.self) { try load(start: start, count: count) }
            #expect(throws: TraceError.self) {
                try TraceLoader.load(path: Fixtures.path("synthetic-40.jsonl"), sample: .init(start: start == 5 ? 40 : start, count: count))
            }
        }
        // A count past the end takes the rest, whatever its size.
        #expect(try load(start: 1, count: Int.max).jobs.count == 4)
    }

    @Test func aMissingCurvesFileIsNamed() throws {
        #expect {
            try TraceLoader.load(path: Fixtures.path("philly-small.csv"), curvesPath: "/nonexistent/curves.csv")
        } throws: { error in
            "\(error)".contains("/nonexistent/curves.csv")
        }
    }
}

@Suite struct PhillyLineEndingAndCurveTests {
    @Test func windowsLineEndingsReadLikeUnixOnes() throws {
        let unix = try Fixtures.text("philly-small.csv")
        let windows = unix.replacingOccurrences(of: "\n", with: "\r\n")
        let curves = try PhillyTraceReader.parseCurves(try Fixtures.text("pollux/speedup-curves.csv"), file: "c.csv")
        let a = try PhillyTraceReader.parse(unix, file: "u.csv", curves: curves).jobs
        let b = try PhillyTraceReader.parse(windows, file: "w.csv", curves: curves).jobs
        #expect(a.count == 5 && a == b)
    }

    @Test func aCurveWithAMissingWidthIsRefused() {
        let text = "application,batch_size,workers,speedup\ncifar10,1,1,1.0\ncifar10,1,3,2.0\n"
        #expect {
            try PhillyTraceReader.parseCurves(text, file: "c.csv")
        } throws: { error in
            (error as? TraceError)?.field == "workers" && "\(error)".contains("cifar10")
        }
    }
}
