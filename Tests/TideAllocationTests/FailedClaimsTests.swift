import Testing
@testable import TideAllocation

/// `FailedClaims` answers as a scan of every recorded failure would.
@Suite struct FailedClaimsTests {
    @Test func answersAsAScanOfEveryFailure() {
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var claims = FailedClaims()
        var all: [(priority: Int, threshold: Double, need: Int)] = []
        for _ in 0..<2_000 {
            let priority = next(3), need = 1 + next(40)
            // Few distinct thresholds, so that equal ones are asked about too; NaN now and then.
            let threshold = next(25) == 0 ? Double.nan : Double(next(30)) / 2
            let expected = all.contains { $0.priority == priority && $0.threshold <= threshold && $0.need <= need }
            #expect(claims.implyFailure(priority: priority, threshold: threshold, need: need) == expected)
            if !expected && next(2) == 0 {
                claims.record(priority: priority, threshold: threshold, need: need)
                all.append((priority, threshold, need))
            }
        }
    }
}
