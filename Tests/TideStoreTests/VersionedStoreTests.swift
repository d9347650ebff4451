import Foundation
import Testing
import TideStore

@Suite struct VersionedStoreTests {
    @Test func createGetUpdateDelete() async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            let created = try await jobs.create(TestJob("resnet-20250101-120000", createdAt: millisecondDate(1_735_732_800_000)))
            #expect(created.version == 1)
            #expect(try await jobs.get("resnet-20250101-120000") == created)
            #expect(try await jobs.get("absent") == nil)

            let running = try await jobs.update(created.name, expectedVersion: 1) { $0.status.state = "Running" }
            #expect(running.version == 2)
            #expect(try await jobs.get(created.name) == running)
            #expect(try await jobs.get(created.name)?.status.state == "Running")

            #expect(try await jobs.delete(created.name))
            #expect(try await jobs.delete(created.name) == false)
            #expect(try await jobs.get(created.name) == nil)
        }
    }

    @Test func aDuplicateNameIsAClearError() async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            try await jobs.create(TestJob("bert"))
            let error = await #expect(throws: StoreError.self) { try await jobs.create(TestJob("bert", accelerator: "a100")) }
            #expect(error == .alreadyExists(collection: "jobs", key: "a document named \"bert\""))
            #expect(try await jobs.get("bert")?.spec.accelerator == "v100")
        }
    }

    @Test func staleAndMissingWritesAreToldApart() async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            let first = try await jobs.create(TestJob("gpt"))
            _ = try await jobs.update("gpt", expectedVersion: 1) { $0.status.state = "Running" }

            // A writer still holding version 1 is refused and changes nothing.
            await #expect(throws: StoreError.conflict(collection: "jobs", name: "gpt", expectedVersion: 1, actualVersion: 2)) {
                try await jobs.update("gpt", expectedVersion: 1) { $0.status.state = "Failed" }
            }
            var stale = first
            stale.status.state = "Canceled"
            await #expect(throws: StoreError.conflict(collection: "jobs", name: "gpt", expectedVersion: 1, actualVersion: 2)) {
                try await jobs.replace(stale)
            }
            #expect(try await jobs.get("gpt")?.status.state == "Running")
            #expect(try await jobs.get("gpt")?.version == 2)

            await #expect(throws: StoreError.notFound(collection: "jobs", name: "ghost")) {
                try await jobs.update("ghost", expectedVersion: 1) { $0.status.state = "Running" }
            }
            _ = try await jobs.delete("gpt")
            await #expect(throws: StoreError.notFound(collection: "jobs", name: "gpt")) { try await jobs.replace(first) }
        }
    }

    @Test func anUpdateMayNotRename() async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            try await jobs.create(TestJob("keep"))
            await #expect(throws: StoreError.self) {
                try await jobs.update("keep", expectedVersion: 1) { $0.metadata.name = "other" }
            }
            #expect(try await jobs.get("keep")?.version == 1)
            #expect(try await jobs.get("other") == nil)
        }
    }

    /// Writers that all read the same version race; the database lets exactly one through.
    @Test(arguments: [2, 8])
    func concurrentWritersFromOneVersionExactlyOneWins(writers: Int) async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            for round in 0..<5 {
                let base = try await jobs.create(TestJob("race-\(round)"))
                let outcomes = await withTaskGroup(of: (Int, Result<TestJob, any Error>).self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            var mine = base
                            mine.status.message = "writer \(writer)"
                            // Half go through update (read, check, write), half write their copy directly.
                            do {
                                let written =
                                    writer % 2 == 0
                                    ? try await jobs.replace(mine)
                                    : try await jobs.update(base.name, expectedVersion: base.version) {
                                        $0.status.message = "writer \(writer)"
                                    }
                                return (writer, .success(written))
                            } catch {
                                return (writer, .failure(error))
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let winners = outcomes.filter { (try? $0.1.get()) != nil }
                #expect(winners.count == 1, "round \(round): \(winners.count) winners")
                for (_, result) in outcomes {
                    if case .failure(let error) = result {
                        guard case StoreError.conflict(_, _, 1, _) = error else {
                            Issue.record("a losing writer got \(error), not conflict")
                            continue
                        }
                    }
                }
                let stored = try #require(try await jobs.get(base.name))
                #expect(stored.version == base.version + 1)
                if let (winner, _) = winners.first {
                    #expect(stored.status.message == "writer \(winner)")
                }
            }
        }
    }

    @Test func listFiltersAndPagesThroughEveryMatchOnce() async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            let states = ["Waiting", "Running", "Completed"]
            var all: [TestJob] = []
            for index in 0..<31 {
                // Names not inserted in order, so name order is the store's doing.
                let job = TestJob(
                    String(format: "job-%02d", (index * 7) % 31), accelerator: index % 3 == 0 ? "a100" : "v100",
                    state: states[index % 3])
                all.append(try await jobs.create(job))
            }
            func pages(accelerator: String?, statuses: [String], limit: Int) async throws -> ([String], Int) {
                var names: [String] = []
                var token: String?
                var count = 0
                repeat {
                    let page = try await jobs.list(accelerator: accelerator, statuses: statuses, limit: limit, continue: token)
                    #expect(page.items.count <= limit)
                    names += page.items.map(\.name)
                    token = page.continueToken
                    count += 1
                } while token != nil && count < 100
                return (names, count)
            }
            let everything = try await pages(accelerator: nil, statuses: [], limit: 4)
            #expect(everything.0 == all.map(\.name).sorted())
            #expect(everything.1 == 8)

            let v100Active = try await pages(accelerator: "v100", statuses: ["Waiting", "Running"], limit: 3)
            let expected = all.filter { $0.spec.accelerator == "v100" && $0.status.state != "Completed" }.map(\.name).sorted()
            #expect(!expected.isEmpty)
            #expect(v100Active.0 == expected)

            let single = try await jobs.list(accelerator: "a100", limit: 100)
            #expect(single.continueToken == nil)
            #expect(single.items.map(\.name) == all.filter { $0.spec.accelerator == "a100" }.map(\.name).sorted())
            #expect(try await jobs.list(accelerator: "h100").items.isEmpty)
        }
    }

    @Test func badContinueTokensAndLimitsAreRefused() async throws {
        try await withStore { store in
            let jobs = VersionedStore<TestJob>(store, collection: StoreSchema.jobs)
            for index in 0..<3 { try await jobs.create(TestJob("j\(index)")) }
            let first = try await jobs.list(accelerator: "v100", limit: 1)
            let token = try #require(first.continueToken)
            #expect(try await jobs.list(accelerator: "v100", limit: 1, continue: token).items.map(\.name) == ["j1"])

            for garbage in ["not a token!", "eyJ4IjoxfQ", "%%%"] {
                let error = await #expect(throws: StoreError.self) { try await jobs.list(continue: garbage) }
                guard case .invalidContinueToken = error else {
                    Issue.record("\(garbage): expected invalidContinueToken, got \(String(describing: error))")
                    continue
                }
            }
            // A token is bound to the filters it was issued for.
            let other = await #expect(throws: StoreError.self) { try await jobs.list(accelerator: "a100", continue: token) }
            #expect(other?.description.contains("another query") == true)
            await #expect(throws: StoreError.self) { try await jobs.list(limit: 0) }
        }
    }
}
