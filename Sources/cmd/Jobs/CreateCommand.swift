import ArgumentParser
import Foundation

/// `cmd create -f job.yaml`: submits jobs, printing each stored name.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Submit jobs (tide/v1 TrainingJob or kubeflow.org/v1 MPIJob, YAML or JSON).",
        discussion: "Every document is sent; those the server refuses are reported and the exit status is 1.")

    @Option(name: [.short, .customLong("filename")], parsing: .singleValue,
            help: ArgumentHelp("A file, a directory of .yaml/.yml/.json files, or - for stdin; repeatable.",
                               valueName: "path"))
    var files: [String] = []

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give the jobs to create with -f FILE, -f DIRECTORY or -f -") }
    }

    func run() async throws {
        let api = try client.client()
        let documents = try JobDocuments.load(paths: files) { FileHandle.standardInput.readDataToEndOfFile() }
        if documents.isEmpty { throw CommandFailure("\(files.joined(separator: ", ")): no job documents found") }
        try await CommandFailure.forEach(documents, label: \.source) { document in
            let job = try await api.create(document: document.body, contentType: document.contentType)
            Console.print("Training job created: \(JobRow(job: job).name)")
        }
    }
}
