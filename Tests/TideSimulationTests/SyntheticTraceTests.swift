import Testing
import TideSimulation

@Suite struct SyntheticTraceTests {
    @Test func theSameSeedGivesTheSameTrace() {
        #expect(SyntheticTrace(jobs: 50, seed: 9).generate() == SyntheticTrace(jobs: 50, seed: 9).generate())
    }

    @Test func differentSeedsGiveDifferentTraces() {
        #expect(SyntheticTrace(jobs: 50, seed: 9).generate() != SyntheticTrace(jobs: 50, seed: 10).generate())
    }

    @Test func theCommittedFixtureIsSeedTwo() throws {
        let generated = try JobTableReader.format(SyntheticTrace(jobs: 40, seed: 2).generate())
        #expect(generated == (try Fixtures.text("synthetic-40.jsonl")))
    }

    @Test func jobsAreWellFormedAndArriveInOrder() {
        let jobs = SyntheticTrace(jobs: 300, seed: 4).generate()
        #expect(jobs.count == 300)
        #expect(zip(jobs, jobs.dropFirst()).allSatisfy { $0.arrival <= $1.arrival })
        for job in jobs {
            #expect(job.work > 0)
            #expect((job.minWorkers...job.maxWorkers).contains(job.requestedWorkers))
            #expect(job.speedup(1) == 1)
        }
        // Several applications, several widths: not one shape repeated.
        #expect(Set(jobs.map(\.application)).count >= 4)
        #expect(Set(jobs.map(\.requestedWorkers)).count >= 3)
    }

    @Test func theGeneratorIsAPlainSplitMix64() {
        // The first output for seed 0, from the reference implementation.
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
    }
}
