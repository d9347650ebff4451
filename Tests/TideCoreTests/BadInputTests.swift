import Foundation
import Testing
@testable import TideCore

/// Each kind of bad input: refused, with the field path and a message a user can act on.
@Suite struct BadInputTests {
    /// The single error for `path`, recording an issue if there are others.
    func only(_ errors: JobSpecErrors, sourceLocation: SourceLocation = #_sourceLocation) -> FieldError? {
        #expect(errors.errors.count == 1, "\(errors)", sourceLocation: sourceLocation)
        return errors.errors.first
    }

    @Test func malformedYAML() throws {
        let error = try #require(only(errors("apiVersion: tide/v1\nkind: [TrainingJob\nspec: {")))
        #expect(error.path == "(document)")
        #expect(error.message.hasPrefix("is not valid YAML: "))
        #expect(error.message.contains("line"), "names the place: \(error.message)")

        let tabs = try #require(only(errors("apiVersion: tide/v1\nspec:\n\tworkers: 1\n")))
        #expect(tabs.message.hasPrefix("is not valid YAML"))
    }

    @Test func malformedJSON() throws {
        let error = try #require(only(errors("{\"apiVersion\": \"tide/v1\",", format: .json)))
        #expect(error.path == "(document)")
        #expect(error.message.hasPrefix("is not valid JSON"))
    }

    @Test func emptyAndNonMappingDocuments() throws {
        #expect(only(errors(""))?.message == "is empty: expected a YAML job document")
        #expect(only(errors("# only a comment\n"))?.message == "is empty: expected a YAML job document")
        #expect(only(errors("[1, 2]", format: .json))?.message
            == "must be a mapping with apiVersion, kind, metadata and spec, got a list")
        #expect(only(errors("just text"))?.path == "(document)")
    }

    @Test func notUTF8() throws {
        let error: JobSpecErrors
        do {
            _ = try JobSpecParser.parse(data: Data([0x61, 0x3A, 0x20, 0xFF, 0xFE]), format: .yaml)
            Issue.record("accepted")
            return
        } catch let caught {
            error = caught
        }
        #expect(error.errors == [FieldError(path: "(document)", message: "is not UTF-8 text")])
    }

    @Test func unknownKindOrApiVersion() throws {
        let kind = try #require(only(errors(tideYAML().replacingOccurrences(of: "kind: TrainingJob", with: "kind: Job"))))
        #expect(kind == FieldError(path: "kind", message: "must be TrainingJob for apiVersion tide/v1 (got \"Job\")"))

        let api = try #require(only(errors(tideYAML().replacingOccurrences(of: "tide/v1", with: "batch/v1"))))
        #expect(api == FieldError(
            path: "apiVersion",
            message: "must be tide/v1 (kind TrainingJob) or kubeflow.org/v1 (kind MPIJob) (got \"batch/v1\")"))

        let both = errors("apiVersion: v2\nkind: Deployment\n")
        #expect(both.errors.map(\.path) == ["apiVersion", "kind"])
        #expect(both.messages(at: "kind") == ["must be TrainingJob or MPIJob (got \"Deployment\")"])

        let missing = errors("metadata: {name: x}\n")
        #expect(missing.errors.map(\.path) == ["apiVersion", "kind"])
        #expect(missing.messages(at: "apiVersion") == ["is required: tide/v1 (kind TrainingJob) or kubeflow.org/v1 (kind MPIJob)"])
    }

    @Test func unknownFieldsAreRefusedWithTheirPath() throws {
        let found = errors(tideYAML(
            spec: ["gpus": "2", "workers": "{min: 1, max: 8, step: 1}", "template": "{image: x, ports: [80]}"],
            extra: "status: {}"))
        #expect(found.messages(at: "spec.gpus").count == 1)
        #expect(found.messages(at: "spec.gpus").first?.hasPrefix("is not a field of spec; its fields are accelerator, workers, ") == true)
        #expect(found.messages(at: "spec.workers.step") == ["is not a field of spec.workers; its fields are min, max"])
        #expect(found.messages(at: "spec.template.ports").first?.contains("image, command, args") == true)
        #expect(found.messages(at: "status") == ["is not a field of a tide/v1 TrainingJob; its fields are apiVersion, kind, metadata, spec"])
        #expect(found.errors.count == 4, "\(found)")
        let metadata = errors(tideYAML().replacingOccurrences(of: "metadata:\n", with: "metadata:\n  namespace: ml\n"))
        #expect(metadata.messages(at: "metadata.namespace") == ["is not a field of metadata; its fields are name"])
    }

    @Test func missingRequiredFields() throws {
        let found = errors("apiVersion: tide/v1\nkind: TrainingJob\nmetadata: {}\nspec: {workers: {}}\n")
        #expect(found.messages(at: "metadata.name") == ["is required: the job's name, a DNS label"])
        #expect(found.messages(at: "spec.accelerator") == ["is required: the GPU type, the value of the node label tide/accelerator"])
        #expect(found.messages(at: "spec.workers.min") == ["is required: the gang minimum number of workers"])
        #expect(found.messages(at: "spec.workers.max") == ["is required: the elastic maximum number of workers"])
        #expect(found.messages(at: "spec.epochs") == ["is required: the total number of epochs (work units), for estimates"])
        #expect(found.messages(at: "spec.template") == ["is required: the worker container: image, command, env, …"])
        #expect(found.errors.count == 6, "all at once:\n\(found)")

        let noSpec = errors("apiVersion: tide/v1\nkind: TrainingJob\n")
        #expect(noSpec.errors.map(\.path) == ["metadata", "spec"])
    }

    @Test func templateNeedsAnImageOrACommand() throws {
        let neither = errors(tideYAML(spec: ["template": "{env: [{name: A, value: b}]}"]))
        #expect(neither.messages(at: "spec.template.image") == [
            "is required unless spec.template.command is given: the worker's container image (Kubernetes) or the command to run (local backend)",
        ])
        #expect(neither.errors.count == 1, "\(neither)")
        // The local backend runs the command itself; Kubernetes gets the image.
        for template in ["{command: [python3, train.py]}", "{image: registry/train:1}"] {
            #expect(throws: Never.self) { try JobSpecParser.parse(data: Data(tideYAML(spec: ["template": template]).utf8), format: .yaml) }
        }
    }

    @Test func minAboveMax() throws {
        let error = try #require(only(errors(tideYAML(spec: ["workers": "{min: 9, max: 8}"]))))
        #expect(error == FieldError(path: "spec.workers.min", message: "must be between 1 and spec.workers.max (8) (got 9)"))
    }

    @Test func negativeOrHugeCounts() throws {
        let found = errors(tideYAML(spec: [
            "workers": "{min: -1, max: 99999999999999999999}", "gpusPerWorker": "0", "maxRetries": "-1",
            "epochs": "1e30", "priority": "5000",
        ]))
        #expect(found.messages(at: "spec.workers.max") == ["must be between 1 and 1024 (got 1e+20)"])
        #expect(found.messages(at: "spec.workers.min") == ["must be between 1 and 1024 (got -1)"])
        #expect(found.messages(at: "spec.gpusPerWorker") == ["must be between 1 and 16 (got 0)"])
        #expect(found.messages(at: "spec.maxRetries") == ["must be between 0 and 100 (got -1)"])
        #expect(found.messages(at: "spec.epochs") == ["must be between 1 and 1000000 (got 1e+30)"])
        #expect(found.messages(at: "spec.priority") == ["must be between -1000 and 1000 (got 5000)"])
        #expect(found.errors.count == 6, "\(found)")

        let big = errors(tideYAML(spec: ["workers": "{min: 1, max: 5000}"]))
        #expect(big.messages(at: "spec.workers.max") == ["must be between 1 and 1024 (got 5000)"])
    }

    @Test func wrongTypes() throws {
        let found = errors(tideYAML(spec: [
            "workers": "{min: \"2\", max: 2.5}", "preemptible": "\"false\"", "queue": "7", "template": "[image]",
            "resize": "{mode: live}",
        ]))
        #expect(found.messages(at: "spec.workers.min") == ["must be a whole number, not a string (got \"2\"): write it without quotes"])
        #expect(found.messages(at: "spec.workers.max") == ["must be a whole number (got 2.5)"])
        #expect(found.messages(at: "spec.preemptible") == ["must be true or false (got \"false\")"])
        #expect(found.messages(at: "spec.queue") == ["must be a string, got a number (7)"])
        #expect(found.messages(at: "spec.template") == ["must be a mapping (the worker container: image, command, env, …), got a list"])
        #expect(found.messages(at: "spec.resize") == ["must be a string, got a mapping (a mapping)"])
    }

    @Test(arguments: [
        ("ResNet50", ["must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (got \"ResNet50\")"]),
        ("-lead", ["must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (got \"-lead\")"]),
        ("under_score", ["must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (got \"under_score\")"]),
        (String(repeating: "a", count: 41), ["must be at most 40 characters (got 41)"]),
        ("\"\"", ["must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (got \"\")"]),
    ])
    func badNames(name: String, messages: [String]) throws {
        #expect(errors(tideYAML(name: name)).messages(at: "metadata.name") == messages)
    }

    @Test func fortyCharacterNameIsFine() throws {
        #expect(parseYAML(tideYAML(name: String(repeating: "a", count: 39) + "1")) != nil)
    }

    @Test(arguments: ["Nvidia-V100", "v100-", "gpu.high", "gpu_high", String(repeating: "g", count: 41), "\"\""])
    func badAccelerators(accelerator: String) throws {
        let messages = errors(tideYAML(spec: ["accelerator": accelerator])).messages(at: "spec.accelerator")
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.hasPrefix("must be a GPU type: lowercase letters") || message == "must be at most 40 characters (got 41)")
    }

    @Test(arguments: ["2 hours", "2", "1.5h", "30m1h", "h", "0s", "1d", "-1h", "1h30", "9999999999s"])
    func badDurations(text: String) throws {
        let messages = errors(tideYAML(spec: ["timeLimit": "\"\(text)\""])).messages(at: "spec.timeLimit")
        #expect(messages == ["must be a duration of hours, minutes and seconds such as 2h, 90m, 1h30m or 45s (got \"\(text)\")"])
    }

    @Test func timeLimitAboveAYear() throws {
        #expect(errors(tideYAML(spec: ["timeLimit": "8761h"])).messages(at: "spec.timeLimit")
            == ["must be at most 8760h (365 days) (got \"8761h\")"])
        #expect(errors(tideYAML(spec: ["timeLimit": "7200"])).messages(at: "spec.timeLimit")
            == ["must be a string, got a number (7200)"])
    }

    @Test func badResize() throws {
        #expect(errors(tideYAML(spec: ["resize": "rolling"])).messages(at: "spec.resize")
            == ["must be restart or live (got \"rolling\")"])
        #expect(errors(tideYAML(spec: ["resize": "Live"])).messages(at: "spec.resize")
            == ["must be restart or live (got \"Live\")"])
    }

    @Test func requestedWorkersOutsideTheRange() throws {
        #expect(errors(tideYAML(spec: ["workers": "{min: 2, max: 8}", "requestedWorkers": "9"])).messages(at: "spec.requestedWorkers")
            == ["must be between spec.workers.min (2) and spec.workers.max (8) (got 9)"])
        #expect(errors(tideYAML(spec: ["workers": "{min: 2, max: 8}", "requestedWorkers": "1"])).messages(at: "spec.requestedWorkers")
            == ["must be between spec.workers.min (2) and spec.workers.max (8) (got 1)"])
    }

    @Test func failbackAndCheckpointVolume() throws {
        let found = errors(tideYAML(spec: ["failback": "{accelerator: nvidia-tesla-v100}", "checkpointVolume": "{claimName: Bad_Claim}"]))
        #expect(found.messages(at: "spec.failback.accelerator")
            == ["must differ from spec.accelerator (\"nvidia-tesla-v100\"): failback retries on another GPU type"])
        #expect(found.messages(at: "spec.checkpointVolume.claimName").first?.hasPrefix("must be a volume claim name") == true)
        #expect(errors(tideYAML(spec: ["failback": "{}"])).messages(at: "spec.failback.accelerator")
            == ["is required: the GPU type to retry on after running out of memory or time"])
    }

    @Test func templateContents() throws {
        let found = errors(tideYAML(spec: [
            "template": """
                {image: "", command: [python3, 3], env: [{name: BATCH, value: 256}, {name: TIDE_JOB, value: x}, {name: BATCH, value: "1"}, {value: "2"}], volumes: [x]}
                """,
        ]))
        #expect(found.messages(at: "spec.template.image") == ["must be a container image reference without spaces (got \"\")"])
        #expect(found.messages(at: "spec.template.command[1]") == ["must be a string, got a number (3): quote it"])
        #expect(found.messages(at: "spec.template.env[0].value") == ["must be a string, got a number (256): quote it, as in \"256\""])
        #expect(found.messages(at: "spec.template.env[1].name") == ["names starting with TIDE_ are set by Tide (got \"TIDE_JOB\")"])
        #expect(found.messages(at: "spec.template.env[2].name") == ["repeats spec.template.env[0].name (\"BATCH\")"])
        #expect(found.messages(at: "spec.template.env[3].name") == ["is required: the variable's name"])
        #expect(found.messages(at: "spec.template.volumes[0]") == ["must be a mapping, got a string"])
        #expect(found.errors.count == 7, "\(found)")
    }

    @Test func keysAndValuesTheStoreCannotHold() throws {
        let found = errors(tideYAML(spec: ["template": "{image: x, resources: {$where: 1, \"\": 2, cpu: .nan}}"]))
        #expect(found.messages(at: "spec.template.resources[\"$where\"]") == ["keys must not start with $ (the job store reserves them)"])
        // Found by schemathesis: MongoDB refused the insert, a 500.
        #expect(found.messages(at: "spec.template.resources[\"\"]") == ["keys must not be empty (the job store cannot hold them)"])
        #expect(found.messages(at: "spec.template.resources.cpu") == ["must be a finite number (got .nan)"])
    }

    @Test func duplicateKeysAreRefused() throws {
        let found = errors(tideYAML(spec: ["epochs": "60\n  epochs: 70"]))
        #expect(found.errors == [FieldError(
            path: "(document)", message: "repeats the key \"epochs\" in one mapping (line 8): keys must be unique")])
        // Keys that differ only in YAML type are the same JSON key: refused with the path.
        let typed = errors(tideYAML(spec: ["template": "{image: x, resources: {1: a, \"1\": b}}"]))
        #expect(typed.messages(at: "spec.template.resources.1") == ["is given twice: keys must be unique"])
    }

    @Test func severalErrorsAtOnceOnePerLine() throws {
        let found = errors(tideYAML(name: "Bad_Name", spec: [
            "accelerator": "V100", "workers": "{min: 4, max: 2}", "resize": "sometimes", "timeLimit": "2 hours",
            "maxRetries": "-3",
        ]))
        #expect(found.errors.map(\.path) == [
            "metadata.name", "spec.accelerator", "spec.workers.min", "spec.resize", "spec.maxRetries", "spec.timeLimit",
        ])
        #expect(found.description.split(separator: "\n").count == 6)
        #expect(found.description.contains("spec.workers.min: must be between 1 and spec.workers.max (2) (got 4)"))
    }

    @Test func aliasBombsAndDeepNestingAreRefused() throws {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in 0..<8 {
            let name = "l\(level)"
            bomb += "\(name): &\(name) [*\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous)]\n"
            previous = name
        }
        #expect(only(errors(bomb))?.message.hasPrefix("has more than 200000 values") == true)

        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(only(errors(deep))?.message.contains("nested more than 100 levels deep") == true)
        let deeper = String(repeating: "- ", count: 2000) + "x"
        #expect(errors(deeper).errors.count == 1)
        let deepJSON = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        #expect(errors(deepJSON, format: .json).errors.count == 1)
    }

    @Test func multipleDocumentsAreRefused() throws {
        let error = try #require(only(errors(tideYAML() + "\n---\n" + tideYAML())))
        #expect(error.message.contains("single document"), "\(error)")
    }
}
