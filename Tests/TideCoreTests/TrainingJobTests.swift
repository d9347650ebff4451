import Foundation
import Testing
@testable import TideCore

/// Valid tide/v1 documents, in YAML and JSON, with their defaults.
@Suite struct TrainingJobTests {
    static let specExample = """
        apiVersion: tide/v1
        kind: TrainingJob
        metadata:
          name: resnet50-cifar10           # DNS label, at most 40 characters
        spec:
          accelerator: nvidia-tesla-v100   # value of the node label
          workers: {min: 1, max: 8}        # gang minimum, elastic maximum
          requestedWorkers: 4              # width for rigid policies; default max
          gpusPerWorker: 1
          priority: 0                      # higher runs first; a strict tier in every policy
          preemptible: true                # false: never shrunk or stopped for another job
          queue: default
          epochs: 60                       # total work units, for estimates
          resize: restart                  # restart | live
          maxRetries: 3
          timeLimit: 2h
          failback: {accelerator: gpuhigh} # optional: retry there after OOM or time-out
          template:                        # a pod template's container, passed through
            image: pixyzinc/pixyz-scheduler-worker:latest
            command: ["python3", "train.py"]
            env: [{name: BATCH, value: "256"}]
            resources: {cpu: "2", memory: 16Gi}
            volumeMounts: [{name: ckpt, mountPath: /ckpt}]
            volumes: [{name: ckpt, persistentVolumeClaim: {claimName: ckpt}}]
            tolerations: [{key: gpu, operator: Exists}]
            imagePullSecrets: [{name: registry}]
          checkpointVolume: {claimName: ckpt}   # Kubernetes: where TIDE_CHECKPOINT_DIR lives
        """

    @Test func theSpecsExampleParses() throws {
        let job = try JobSpecParser.parse(Self.specExample, format: .yaml)
        #expect(job.name == "resnet50-cifar10")
        #expect(job.accelerator == "nvidia-tesla-v100")
        #expect(job.workers == .init(min: 1, max: 8))
        #expect(job.requestedWorkers == 4)
        #expect(job.gpusPerWorker == 1)
        #expect(job.priority == 0)
        #expect(job.preemptible)
        #expect(job.queue == "default")
        #expect(job.epochs == 60)
        #expect(job.resize == .restart)
        #expect(job.maxRetries == 3)
        #expect(job.timeLimitSeconds == 7200)
        #expect(job.failback == .init(accelerator: "gpuhigh"))
        #expect(job.checkpointVolume == .init(claimName: "ckpt"))
        #expect(job.source == .trainingJob)
        #expect(job.mpiJob == nil)
        #expect(job.template["image"] == .string("pixyzinc/pixyz-scheduler-worker:latest"))
        #expect(job.template["env"] == .array([.object(["name": "BATCH", "value": "256"])]))
        #expect(job.template["resources"] == .object(["cpu": "2", "memory": "16Gi"]))
    }

    @Test func defaultsApply() throws {
        let job = try #require(parseYAML(tideYAML()))
        #expect(job.requestedWorkers == 8, "requestedWorkers defaults to workers.max")
        #expect(job.gpusPerWorker == 1)
        #expect(job.priority == 0)
        #expect(job.preemptible == true)
        #expect(job.queue == "default")
        #expect(job.resize == .restart)
        #expect(job.maxRetries == 3)
        #expect(job.timeLimitSeconds == nil)
        #expect(job.failback == nil)
        #expect(job.checkpointVolume == nil)
    }

    @Test func jsonAndYAMLGiveTheSameJob() throws {
        let json = """
            {"apiVersion": "tide/v1", "kind": "TrainingJob", "metadata": {"name": "resnet50-cifar10"},
             "spec": {"accelerator": "nvidia-tesla-v100", "workers": {"min": 1, "max": 8}, "requestedWorkers": 4,
                      "priority": 5, "preemptible": false, "queue": "research", "epochs": 60, "resize": "live",
                      "maxRetries": 0, "timeLimit": "1h30m", "gpusPerWorker": 2,
                      "template": {"image": "trainer:1", "args": ["--lr", "0.1"], "env": [{"name": "A", "value": "1"}]}}}
            """
        let yaml = tideYAML(spec: [
            "requestedWorkers": "4", "priority": "5", "preemptible": "false", "queue": "research", "resize": "live",
            "maxRetries": "0", "timeLimit": "1h30m", "gpusPerWorker": "2",
            "template": "{image: trainer:1, args: [--lr, \"0.1\"], env: [{name: A, value: \"1\"}]}",
        ])
        let fromJSON = try JobSpecParser.parse(json, format: .json)
        let fromYAML = try #require(parseYAML(yaml))
        #expect(fromJSON == fromYAML)
        #expect(fromJSON.timeLimitSeconds == 5400)
        #expect(fromJSON.resize == .live)
        #expect(fromJSON.preemptible == false)
        #expect(fromJSON.priority == 5)
    }

    @Test(arguments: [("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("1h1m1s", 3661), ("8760h", 31_536_000)])
    func durations(text: String, seconds: Int) throws {
        let job = try #require(parseYAML(tideYAML(spec: ["timeLimit": text])))
        #expect(job.timeLimitSeconds == seconds)
        #expect(DurationText.seconds(DurationText.text(seconds: seconds)) == seconds)
    }

    @Test func canonicalFormParsesBackAndIsStable() throws {
        let job = try JobSpecParser.parse(Self.specExample, format: .yaml)
        let json = job.canonicalJSON()
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.hasPrefix("{\"apiVersion\":\"tide/v1\",\"kind\":\"TrainingJob\",\"metadata\""), "keys sorted")
        let back = try JobSpecParser.parse(data: json, format: .json)
        #expect(back == job)
        #expect(back.canonicalJSON() == json)
        // Through Codable too, and the canonical JSON is also YAML.
        #expect(try JSONDecoder().decode(JobSpec.self, from: JSONEncoder().encode(job)) == job)
        #expect(try JobSpecParser.parse(data: json, format: .yaml) == job)
        #expect(try job.validated() == job)
    }

    @Test func yamlCoreSchemaScalars() throws {
        // `yes` is a string under YAML 1.2 (not a boolean), and numbers in env must be quoted.
        let errors = errors(tideYAML(spec: ["preemptible": "yes"]))
        #expect(errors.messages(at: "spec.preemptible") == ["must be true or false (got \"yes\")"])
        // 0x10 and 1.0e1 are numbers; 8.0 is the whole number 8.
        let job = try #require(parseYAML(tideYAML(spec: ["workers": "{min: 0x2, max: 8.0}", "epochs": "1.0e1"])))
        #expect(job.workers == .init(min: 2, max: 8))
        #expect(job.epochs == 10)
    }

    @Test func formatFromContentTypeAndFileName() {
        #expect(JobSpecFormat(contentType: "application/json; charset=utf-8") == .json)
        #expect(JobSpecFormat(contentType: "application/yaml") == .yaml)
        #expect(JobSpecFormat(contentType: "text/x-yaml") == .yaml)
        #expect(JobSpecFormat(contentType: "text/plain") == nil)
        #expect(JobSpecFormat(fileName: "job.YML") == .yaml)
        #expect(JobSpecFormat(fileName: "job.json") == .json)
        #expect(JobSpecFormat(fileName: "job.txt") == nil)
    }
}
