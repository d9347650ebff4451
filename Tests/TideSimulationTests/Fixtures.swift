import Foundation
import TideSimulation

/// The committed test inputs in `Fixtures/`; tests never read `shared/traces`.
enum Fixtures {
    static func path(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            fatalError("missing fixture \(name)")
        }
        return url.path
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    /// The 40-job synthetic trace (`cmd simulate --jobs 40 --seed 2 --write-trace`).
    static func synthetic40() throws -> [SimulatedJob] {
        try TraceLoader.load(path: path("synthetic-40.jsonl")).jobs
    }
}
