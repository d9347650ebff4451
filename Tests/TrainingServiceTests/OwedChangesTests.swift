import Testing
@testable import TideAPI
import TideCore
import TideJobs

/// What a replica remembers it owes: the newest write per job, oldest job first, bounded.
@Suite struct OwedChangesTests {
    static func record(_ name: String, version: Int) throws -> JobRecord {
        try OutboxClearerTests.Fixture.record(name, version: version)
    }

    @Test func keepsTheNewestWriteOfEachJobOldestJobFirst() throws {
        let owed = OwedChanges()
        owed.owe(try Self.record("a", version: 1))
        owed.owe(try Self.record("b", version: 1))
        owed.owe(try Self.record("a", version: 2))
        owed.owe(try Self.record("a", version: 1))  // late: the newer write stays
        #expect(owed.owed(excluding: InFlight()) == [.init(name: "a", version: 2), .init(name: "b", version: 1)])
        owed.settle("a", upTo: 1)  // an older publish does not settle the newer write
        #expect(owed.count == 2)
        owed.settle("a", upTo: 2)
        #expect(owed.owed(excluding: InFlight()).map(\.name) == ["b"])
    }

    @Test func leavesOutJobsBeingDeliveredAndForgetsTheOldestPastItsCapacity() throws {
        let owed = OwedChanges(capacity: 3)
        for name in ["a", "b", "c", "d"] { owed.owe(try Self.record(name, version: 1)) }
        let inFlight = InFlight()
        #expect(inFlight.begin("c"))
        #expect(owed.owed(excluding: inFlight).map(\.name) == ["b", "d"])
        #expect(owed.count == 3)
    }
}
