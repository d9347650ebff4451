import Foundation
import Testing
import TideStore

@Suite struct EventStoreTests {
    @Test func eventsAreSeparateDocumentsListedInTimeThenIdOrder() async throws {
        try await withStore { store in
            let events = EventStore<TestEvent>(store)
            let t0 = millisecondDate(1_750_000_000_000)
            // Appended out of time order, with ties on time.
            let plan: [(Int64, String)] = [(30, "c"), (10, "a1"), (10, "a2"), (20, "b"), (10, "a3"), (40, "d")]
            var appended: [RecordedEvent<TestEvent>] = []
            for (offset, kind) in plan {
                appended.append(try await events.append(TestEvent(job: "j1", time: t0.addingTimeInterval(Double(offset) / 1000), kind: kind)))
            }
            try await events.append(TestEvent(job: "j2", time: t0, kind: "other"))

            #expect(try await events.collection.count() == 7)
            let listed = try await events.list(job: "j1")
            #expect(listed.map(\.event.kind) == ["a1", "a2", "a3", "b", "c", "d"])
            #expect(Set(listed.map(\.id)).count == 6)
            #expect(listed.first?.event == appended[1].event)
            #expect(listed.first?.id == appended[1].id)

            let since = try await events.list(job: "j1", since: t0.addingTimeInterval(0.020))
            #expect(since.map(\.event.kind) == ["b", "c", "d"])
            #expect(try await events.list(job: "j1", limit: 2).map(\.event.kind) == ["a1", "a2"])
            #expect(try await events.list(job: "nobody").isEmpty)
        }
    }

    @Test func pagingAfterTheLastEventMissesNoTie() async throws {
        try await withStore { store in
            let events = EventStore<TestEvent>(store)
            let t0 = millisecondDate(1_750_000_000_000)
            for index in 0..<10 {
                // Pairs share a millisecond.
                try await events.append(TestEvent(job: "j", time: t0.addingTimeInterval(Double(index / 2) / 1000), kind: "e\(index)"))
            }
            var seen: [String] = []
            var page = try await events.list(job: "j", limit: 3)
            while let last = page.last {
                seen += page.map(\.event.kind)
                page = try await events.list(after: last, limit: 3)
            }
            #expect(seen == (0..<10).map { "e\($0)" })
        }
    }
}
