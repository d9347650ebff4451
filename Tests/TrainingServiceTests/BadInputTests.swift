import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TideAPI
import TideJobs

/// Every bad input gets its 4xx and a message naming what to fix; nothing is stored or published.
@Suite struct BadInputTests {
    @Test func badDocumentsAreRefusedWholeNamingTheField() async throws {
        let harness = try await Harness.make()
        let cases: [(String, String, Int, String)] = [
            ("malformed YAML", "apiVersion: tide/v1\nkind: [unclosed\n", 400, "(document)"),
            ("unknown kind", harness.yaml().replacingOccurrences(of: "kind: TrainingJob", with: "kind: Pod"), 422, "kind"),
            ("unknown field", harness.yaml(spec: ["colour": "red"]), 422, "spec.colour"),
            ("missing accelerator", harness.yaml(spec: ["accelerator": ""]), 422, "spec.accelerator"),
            ("min > max", harness.yaml(spec: ["workers": "{min: 5, max: 2}"]), 422, "spec.workers.min"),
            ("negative count", harness.yaml(spec: ["workers": "{min: -1, max: 2}"]), 422, "spec.workers.min"),
            ("huge count", harness.yaml(spec: ["workers": "{min: 1, max: 99999999999}"]), 422, "spec.workers.max"),
            ("not a DNS label", harness.yaml(name: "Res_Net"), 422, "metadata.name"),
            ("too long", harness.yaml(name: String(repeating: "a", count: 41)), 422, "metadata.name"),
        ]
        try await harness.test { client in
            for (label, body, status, field) in cases {
                let response = try await send(client, .post, "/v1/jobs", body: body)
                #expect(response.status.code == status, "\(label): \(response.text)")
                let error = response.error
                #expect(error?.field == field, "\(label): \(response.text)")
                #expect(error?.error.isEmpty == false, "\(label)")
                if status == 422 { #expect(error?.errors?.isEmpty == false, "\(label)") }
            }
            let wrongType = try await send(client, .post, "/v1/jobs", body: harness.yaml(), contentType: "text/plain")
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.error?.field == "Content-Type")

            #expect(try await harness.jobs.count() == 0)
            #expect(await harness.messages.wait(for: 1, timeout: .seconds(1)).isEmpty)
        }
    }

    @Test func everyErrorIsListed() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let body = harness.yaml(name: "Bad_Name", spec: ["workers": "{min: 0, max: 2000}", "colour": "red"])
            let response = try await send(client, .post, "/v1/jobs", body: body)
            #expect(response.status == .unprocessableContent)
            let fields = Set(response.error?.errors?.map(\.field) ?? [])
            #expect(fields.isSuperset(of: ["metadata.name", "spec.workers.min", "spec.workers.max", "spec.colour"]), "\(response.text)")
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let huge = String(repeating: "#", count: 10 << 20)
            let response = try await send(client, .post, "/v1/jobs", body: huge)
            #expect(response.status == .contentTooLarge)
            #expect(response.error?.error.contains("1048576 bytes") == true, "\(response.text)")
            #expect(try await harness.jobs.count() == 0)
        }
    }

    @Test func bodyLimitIsConfigurable() async throws {
        let harness = try await Harness.make { $0.bodyLimit = 100 }
        try await harness.test { client in
            let response = try await send(client, .post, "/v1/jobs", body: harness.yaml())
            #expect(response.status == .contentTooLarge)
            #expect(try await harness.jobs.count() == 0)
        }
    }

    @Test func wrongOrMissingTokenIs401() async throws {
        let harness = try await Harness.make()
        try await harness.test { client in
            let missing = try await send(client, .post, "/v1/jobs", body: harness.yaml(), headers: [:])
            #expect(missing.status == .unauthorized)
            #expect(missing.error?.error.contains("missing API token") == true)
            let wrong = try await send(client, .get, "/v1/jobs", headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.error?.error.contains("wrong API token") == true)
            let apiKey = try await send(client, .get, "/v1/jobs", headers: [HTTPField.Name("x-api-key")!: testToken])
            #expect(apiKey.status == .ok)
            #expect(try await harness.jobs.count() == 0)
            #expect(await harness.messages.wait(for: 1, timeout: .milliseconds(500)).isEmpty)
        }
    }
}
