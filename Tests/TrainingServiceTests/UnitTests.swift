import Foundation
import Testing
@testable import TideAPI
import TideCore

/// The pure parts: the token check, the list query, the merge patch.
@Suite struct UnitTests {
    @Test func tokenDigestAndConstantTimeCompare() throws {
        let hex = TokenCheck.digestHex(of: "abc")
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let digest = try #require(TokenCheck.hexBytes(hex))
        #expect(TokenCheck.matches(token: "abc", digest: digest))
        #expect(!TokenCheck.matches(token: "abd", digest: digest))
        #expect(TokenCheck.hexBytes("xyz") == nil)
        #expect(throws: ConfigurationError.self) {
            try APIConfiguration.passwordDigest(environment: ["TIDE_API_PASSWORD_SHA256": "not-hex"])
        }
        #expect(try APIConfiguration.passwordDigest(environment: ["GOD_PASSWORD_SHA256": hex]) == digest)
        #expect(try APIConfiguration.passwordDigest(environment: [:]) == nil)
    }

    @Test func tokenFromEitherHeader() {
        #expect(TokenCheck.token(in: [.authorization: "Bearer abc"]) == "abc")
        #expect(TokenCheck.token(in: [.authorization: "bearer  abc "]) == "abc")
        #expect(TokenCheck.token(in: [.init("x-api-key")!: "abc"]) == "abc")
        #expect(TokenCheck.token(in: [.authorization: "Basic abc"]) == nil)
        let check = TokenCheck(digest: nil)
        #expect(check.refusal([.authorization: "Bearer abc"])?.status == .unauthorized)
    }

    @Test func listQueryDefaultsAndChecks() throws {
        let query = try ListQuery(["status": "running,Waiting", "accelerator": "v100", "limit": "5"], maxLimit: 1000)
        #expect(query.statuses == [.running, .waiting])
        #expect(query.accelerator == "v100" && query.limit == 5 && !query.watch)
        #expect(try ListQuery([:], maxLimit: 1000).limit == 100)
        #expect(throws: APIError.self) { try ListQuery(["limit": "1001"], maxLimit: 1000) }
        // Found by schemathesis: an empty item names no state (openapi.yaml lists states only).
        for status in ["", "Running,", "Running,,Waiting", "Bogus"] {
            #expect(throws: APIError.self, "\(status)") { try ListQuery(["status": status], maxLimit: 1000) }
        }
    }

    @Test func patchSetsOnlyPriorityAndMax() throws {
        let spec = try JobSpecParser.parse(
            "apiVersion: tide/v1\nkind: TrainingJob\nmetadata: {name: a}\nspec: {accelerator: v100, workers: {min: 1, max: 8}, epochs: 3, template: {image: x}}",
            format: .yaml)
        let patched = try JobPatch.apply(["spec": ["priority": 3, "workers": ["max": 2]]], to: spec)
        #expect(patched.priority == 3 && patched.workers.max == 2 && patched.requestedWorkers == 2)
        #expect(patched.workers.min == 1 && patched.accelerator == "v100")
        do {
            _ = try JobPatch.apply(["spec": ["workers": ["min": 2], "queue": "x"]], to: spec)
            Issue.record("accepted")
        } catch {
            #expect(error.errors.map(\.path) == ["spec.queue", "spec.workers.min"])
        }
        do {
            _ = try JobPatch.apply(["spec": ["workers": ["max": 0]]], to: spec)
            Issue.record("accepted")
        } catch {
            #expect(error.errors.map(\.path).contains("spec.workers.max"))
        }
    }
}
