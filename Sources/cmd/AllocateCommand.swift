import ArgumentParser
import Foundation
import TideAllocation

/// `cmd allocate < snapshot.json`: one allocation round, JSON in and out.
struct AllocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Run one allocation round: a snapshot on stdin, the decision on stdout.",
        discussion: "Policies: \(Allocator.policyNames.joined(separator: ", ")).")

    @Flag(help: "Indent the output.")
    var pretty = false

    @Option(help: "Override the snapshot's policy.")
    var policy: String?

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            var snapshot = try AllocationCoding.decodeSnapshot(input)
            if let policy { snapshot.policy = policy }
            let decision = try Allocator.allocate(snapshot)
            var output = try AllocationCoding.encode(decision, pretty: pretty)
            output.append(0x0A)
            FileHandle.standardOutput.write(output)
        } catch let error as AllocationInputError {
            let body = try AllocationCoding.encode(["error": error.message, "field": error.field])
            FileHandle.standardError.write(body + Data([0x0A]))
            throw ExitCode(2)
        }
    }
}
