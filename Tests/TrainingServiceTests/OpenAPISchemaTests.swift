import Foundation
import HummingbirdTesting
import Testing
import TideAPI
import TideCore

/// openapi.yaml's job schemas against what the server takes and serves: the documents it
/// accepts are valid `JobDocument`s, the ones it refuses for a rule the schema states are not,
/// and every job it answers with is a valid `Job`.
@Suite struct OpenAPISchemaTests {
    /// A TrainingJob with every field, nulls where a field may be left out.
    func fullJob(_ accelerator: String) -> String {
        """
        {"apiVersion": "tide/v1", "kind": "TrainingJob", "metadata": {"name": "full"},
         "spec": {"accelerator": "\(accelerator)", "workers": {"min": 1, "max": 4}, "requestedWorkers": 2,
                  "gpusPerWorker": 2, "priority": -5, "preemptible": false, "queue": "research", "epochs": 60,
                  "resize": "live", "maxRetries": 0, "timeLimit": "90m", "failback": {"accelerator": "gpuhigh"},
                  "checkpointVolume": {"claimName": "ckpt.team-a"},
                  "template": {"image": "pixyzinc/worker:1.2", "command": ["python3", "train.py"], "args": null,
                               "workingDir": "/work", "env": [{"name": "BATCH", "value": "256"},
                                                               {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "s"}}}],
                               "resources": {"cpu": "2", "memory": "16Gi"}, "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                               "volumes": [{"name": "data"}], "tolerations": [], "imagePullSecrets": [{"name": "pull"}]}}}
        """
    }

    /// The smallest job, every optional field null.
    func nullsJob(_ accelerator: String) -> String {
        """
        {"apiVersion": "tide/v1", "kind": "TrainingJob", "metadata": {"name": "nulls"},
         "spec": {"accelerator": "\(accelerator)", "workers": {"min": 1, "max": 1}, "epochs": 1,
                  "requestedWorkers": null, "gpusPerWorker": null, "priority": null, "preemptible": null, "queue": null,
                  "resize": null, "maxRetries": null, "timeLimit": null, "failback": null, "checkpointVolume": null,
                  "mpiJob": null, "template": {"image": null, "command": ["true"], "env": null}}}
        """
    }

    func mpiJob(_ accelerator: String) -> String {
        """
        {"apiVersion": "kubeflow.org/v1", "kind": "MPIJob", "metadata": {"name": "voda", "namespace": "default"},
         "spec": {"slotsPerWorker": 1, "mpiReplicaSpecs": {
           "Launcher": {"replicas": 1, "template": {"spec": {"containers": [{"name": "l", "image": "horovod",
              "env": [{"name": "MIN_NP", "value": "1"}, {"name": "MAX_NP", "value": "4"}, {"name": "EPOCHS", "value": "10"},
                      {"name": "JOB_PRIORITY", "value": "2"}]}]}}},
           "Worker": {"template": {"spec": {"nodeSelector": {"vodascheduler/accelerator": "\(accelerator)"},
              "containers": [{"name": "w", "image": "horovod", "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}}}}}
        """
    }

    @Test func acceptedDocumentsAndServedJobsMatchTheSchemas() async throws {
        let harness = try await Harness.make()
        let validator = try SchemaValidator()
        let documents = [fullJob(harness.accelerator), nullsJob(harness.accelerator), mpiJob(harness.accelerator)]
        for document in documents {
            #expect(try validator.problems(Data(document.utf8), against: "JobDocument") == [], "\(document)")
        }
        try await harness.test { client in
            func served(_ response: TestResponse, _ schema: String = "Job") throws {
                #expect(try validator.problems(Data(buffer: response.body), against: schema) == [], "\(response.text)")
            }
            var names: [String] = []
            for document in documents {
                let created = try await send(client, .post, "/v1/jobs", body: document, contentType: "application/json")
                #expect(created.status == .created, "\(created.text)")
                try served(created)
                names.append(try created.decode(StoredJob.self).name)
            }
            try served(try await send(client, .get, "/v1/jobs"), "JobList")
            let patched = try await send(
                client, .patch, "/v1/jobs/\(names[0])", body: #"{"spec": {"priority": null, "workers": {"max": 3}}}"#,
                contentType: "application/merge-patch+json")
            #expect(patched.status == .ok, "\(patched.text)")
            try served(patched)
            let canceled = try await send(client, .delete, "/v1/jobs/\(names[1])")
            #expect(canceled.status == .ok && canceled.text.contains("finishedAt"), "\(canceled.text)")
            try served(canceled)
            try served(try await send(client, .get, "/v1/jobs/\(names[2])"))
        }
    }

    /// Each breaks a rule the schema states: both the schema and the server refuse it.
    @Test func documentsTheSchemaRefusesTheServerRefuses() async throws {
        let harness = try await Harness.make()
        let validator = try SchemaValidator()
        let base = nullsJob(harness.accelerator)
        let broken = [
            base.replacingOccurrences(of: "\"epochs\": 1", with: "\"epochs\": 0"),
            base.replacingOccurrences(of: "\"queue\": null", with: "\"queue\": \"Research\""),
            base.replacingOccurrences(of: "\"timeLimit\": null", with: "\"timeLimit\": \"0h0m\""),
            base.replacingOccurrences(of: "\"timeLimit\": null", with: "\"timeLimit\": \"30m1h\""),
            base.replacingOccurrences(of: "\"image\": null", with: "\"image\": \"busy\\u2003box\""),
            base.replacingOccurrences(of: "\"image\": null, \"command\": [\"true\"]", with: "\"image\": null"),
            base.replacingOccurrences(of: "\"env\": null", with: "\"env\": [{\"name\": \"TIDE_JOB\", \"value\": \"x\"}]"),
            base.replacingOccurrences(of: "\"env\": null", with: "\"env\": [{\"name\": \"A=B\"}]"),
            base.replacingOccurrences(of: "\"env\": null", with: "\"env\": [null]"),
            base.replacingOccurrences(of: "\"mpiJob\": null", with: "\"mpiJob\": {\"kind\": \"MPIJob\"}"),
            base.replacingOccurrences(of: "\"failback\": null", with: "\"failback\": {}"),
            base.replacingOccurrences(of: "\"checkpointVolume\": null", with: "\"checkpointVolume\": {\"claimName\": \"a..b\"}"),
            base.replacingOccurrences(of: "\"epochs\": 1", with: "\"epochs\": 1, \"replicas\": 2"),
            base.replacingOccurrences(of: "\"name\": \"nulls\"", with: "\"name\": \"nulls\", \"labels\": {}"),
            base.replacingOccurrences(of: "\"tide/v1\"", with: "\"tide/v2\""),
        ]
        try await harness.test { client in
            for document in broken {
                #expect(document != base)
                #expect(try validator.problems(Data(document.utf8), against: "JobDocument") != [], "\(document)")
                let response = try await send(client, .post, "/v1/jobs", body: document, contentType: "application/json")
                #expect(response.status == .unprocessableContent, "\(document): \(response.text)")
            }
        }
    }
}
