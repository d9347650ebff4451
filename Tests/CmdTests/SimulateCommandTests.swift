import Foundation
import Testing
import TideTestSupport

/// `cmd simulate` refuses bad options and empty samples with a message, never
/// a crash or an all-zero table.
@Suite struct SimulateCommandTests {
    /// A one-job table in a fresh temporary file.
    static func table(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("simulate-\(UUID().uuidString).jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let oneJob = #"{"name": "a", "time": 0, "application": "x", "tunedWorkers": 1, "maxWorkers": 2, "work": 60, "speedup": [1, 2]}"#

    /// Negative counts crashed the reader (`--sample=-1`, `--start=-1`).
    @Test(arguments: [
        (["--sample=-1"], "--sample must be at least 1"),
        (["--sample", "0"], "--sample must be at least 1"),
        (["--start=-1"], "--start must not be negative"),
    ])
    func badSampleOptionsAreRefused(options: [String], message: String) throws {
        let trace = try Self.table(Self.oneJob + "\n")
        let result = try runCmd(["simulate", "--trace", trace] + options)
        #expect(result.status != 0)
        #expect(result.errors.contains(message), "\(result.errors)")
        #expect(result.stdout.isEmpty)
    }

    /// An empty table, or a start past its end, is an error (exit 2), not a table of zeros.
    @Test(arguments: [("", [String]()), (oneJob + "\n", ["--start", "1"])])
    func nothingToSimulateIsAnError(text: String, options: [String]) throws {
        let trace = try Self.table(text)
        let result = try runCmd(["simulate", "--trace", trace] + options)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.errors.contains(trace), "\(result.errors)")
        #expect(result.stdout.isEmpty)
    }
}
