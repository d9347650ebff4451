import ArgumentParser
import Foundation
import TideCore

/// `cmd label node NODE tide/accelerator=T [--gpus N]`: offers a machine's GPUs to a GPU type (local backend).
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label", abstract: "Label a node with its GPU type.", subcommands: [LabelNodeCommand.self])
}

struct LabelNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Offer a node's GPUs to a GPU type: cmd label node NODE tide/accelerator=T [--gpus N].",
        discussion: "The label key may also be vodascheduler/accelerator, as on a Voda cluster.")

    /// Label keys that name a node's GPU type.
    static let keys = ["tide/accelerator", "vodascheduler/accelerator"]

    @Argument(help: "The node's name.")
    var node: String

    @Argument(help: "tide/accelerator=TYPE")
    var label: String

    @Option(help: "GPUs on the node (default: the node's current count, else nvidia-smi's).")
    var gpus: Int?

    @Flag(help: "Let no new workers start there; running ones stay.")
    var cordon = false

    @OptionGroup var client: ClientOptions

    /// The GPU type the label names.
    func accelerator() throws -> String {
        let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, Self.keys.contains(parts[0]) else {
            throw ValidationError("the label must be tide/accelerator=TYPE (or vodascheduler/accelerator=TYPE), not '\(label)'")
        }
        return parts[1]
    }

    func validate() throws {
        _ = try accelerator()
        if let gpus, !(0...1024).contains(gpus) { throw ValidationError("--gpus must be 0 to 1024, not \(gpus)") }
    }

    func run() async throws {
        let api = try client.client()
        var count = gpus
        if count == nil {
            let known = try await api.listNodes().first { $0["name"]?.stringValue == node }
            count = known?["gpus"].flatMap { if case .int(let value) = $0 { Int(value) } else { nil } }
        }
        if count == nil { count = Self.detectedGPUs() }
        guard let count else {
            throw CommandFailure("--gpus is needed: \(node) is a new node and nvidia-smi finds no GPUs here")
        }
        _ = try await api.putNode(node, accelerator: try accelerator(), gpus: count, schedulable: !cordon)
        Console.print("node/\(node) labeled tide/accelerator=\(try accelerator()) (\(count) GPUs\(cordon ? ", cordoned" : ""))")
    }

    /// GPUs `nvidia-smi -L` lists, or nil without it.
    static func detectedGPUs() -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["nvidia-smi", "-L"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let count = String(decoding: output, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("GPU ") }.count
        return count > 0 ? count : nil
    }
}
