import PropertyBased
import Testing
import TideSimulation

/// No job waits for ever under `tide`.
///
/// The shape of the starvation found on Pollux workload 4 at 48 GPUs: long
/// jobs run, a job as wide as the whole cluster arrives, then a stream of
/// short jobs. The short ones shrink the long ones to their minimums; the
/// wide one can neither shrink them further nor stop them (their remaining
/// times are not 4 times a typical newcomer's when they are the typical
/// jobs), and the GPUs kept for it stopped the long ones from growing back,
/// so the cluster idled for days while they crawled at one worker and the
/// wide job waited for them to finish. A job that has waited its bound (30
/// minutes in all) now starts on the free GPUs.
@Suite(.shrinking) struct StarvationTests {
    /// `TidePolicy.waitBoundSeconds`.
    static let waitBound = 1_800.0
    /// `TidePolicy.soonSeconds`: a wait for GPUs about to free may come on top.
    static let soon = 300.0
    static let curve = [1, 1.9, 2.7, 3.5, 4.2, 4.9, 5.5, 6.0, 6.4, 6.8, 7.1, 7.4, 7.6, 7.8, 7.9, 8.0]

    /// `nodes` × 4 GPUs; `longJobs` jobs of `longWork` one-worker seconds at
    /// 4 workers from time 0; `wide` (the whole cluster) at `wideArrival`;
    /// then `shortJobs` jobs of `shortWidth` workers and `shortWork`
    /// one-worker seconds, one every `shortGap` seconds.
    static func trace(
        nodes: Int, longJobs: Int, longWork: Double, wideArrival: Double, shortJobs: Int, shortWidth: Int, shortWork: Double,
        shortGap: Double
    ) -> [SimulatedJob] {
        let gpus = nodes * 4
        var jobs = (0..<longJobs).map { index in
            SimulatedJob(
                name: "long-\(index)", arrival: 0, application: "long", work: longWork, speedupCurve: curve, maxWorkers: gpus,
                requestedWorkers: min(4, gpus))
        }
        jobs.append(
            SimulatedJob(
                name: "wide", arrival: wideArrival, application: "wide", work: 20_000, speedupCurve: curve, maxWorkers: gpus,
                requestedWorkers: gpus))
        for index in 0..<shortJobs {
            jobs.append(
                SimulatedJob(
                    name: "short-\(index)", arrival: wideArrival + 60 + Double(index) * shortGap, application: "short",
                    work: shortWork, speedupCurve: Array(curve.prefix(shortWidth)), maxWorkers: shortWidth,
                    requestedWorkers: shortWidth))
        }
        return jobs
    }

    /// The longest the wide job may wait before its first start: the bound, then
    /// until a GPU frees (a short job ends, even at one worker), a wait for
    /// GPUs about to free, and a few rounds.
    static func longestWait(shortWork: Double) -> Double {
        waitBound + shortWork + 30 + soon + 3 * 60
    }

    @Test func aJobAsWideAsTheClusterBehindAStreamOfShortOnesStarts() async {
        await propertyCheck(
            count: 60,
            input: Gen.int(in: 2...4), Gen.int(in: 1...3), Gen.int(in: 1...5), Gen.int(in: 0...10),
            zip(Gen.int(in: 5...30), Gen.int(in: 1...3)), zip(Gen.int(in: 1...4), Gen.int(in: 1...6))
        ) { nodes, longJobs, longCode, arrivalCode, shorts, shape in
            let shortWork = Double(shape.0) * 600
            let jobs = Self.trace(
                nodes: nodes, longJobs: longJobs, longWork: Double(longCode) * 100_000, wideArrival: Double(arrivalCode) * 60,
                shortJobs: shorts.0, shortWidth: shorts.1, shortWork: shortWork, shortGap: Double(shape.1) * 100)
            let result = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: "tide", nodes: nodes))
            #expect(result.jobs.count == jobs.count && result.jobs.allSatisfy { $0.completion.isFinite })
            // The short jobs may queue behind one another when they come
            // faster than they finish; the wide job, first of them, may not.
            let wide = try #require(result.jobs.first { $0.name == "wide" })
            #expect(
                wide.firstStart - wide.arrival <= Self.longestWait(shortWork: shortWork),
                "wide waited \(wide.firstStart - wide.arrival) s")
        }
    }

    /// Found by the property above: `wide` arrives with the long jobs, which
    /// take the whole cluster; the short jobs shrink them and they grow back,
    /// and once the short ones are gone nothing is free and nothing arrives.
    /// Starting on the free GPUs was not enough: none were free, so `wide`
    /// waited 29,537 s, until the long jobs ended. It now shrinks them to
    /// their minimums once it has waited its bound.
    @Test func aWideJobThatArrivesWithTheLongOnesStartsOnceItsBoundHasPassed() throws {
        let jobs = Self.trace(
            nodes: 2, longJobs: 2, longWork: 100_000, wideArrival: 0, shortJobs: 6, shortWidth: 2, shortWork: 1_200, shortGap: 100)
        let result = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: "tide", nodes: 2))
        let wide = try #require(result.jobs.first { $0.name == "wide" })
        #expect(wide.firstStart - wide.arrival <= Self.longestWait(shortWork: 1_200), "wide waited \(wide.firstStart - wide.arrival) s")
    }

    /// The case itself, on 8 GPUs: before the bound, `wide` waited 397,132 s
    /// (until the long jobs, at one worker since the short ones came,
    /// finished at 3.5 times their alone time) with 6 of 8 GPUs idle.
    @Test func theWorkload4ShapeOnEightGPUs() throws {
        let jobs = Self.trace(
            nodes: 2, longJobs: 2, longWork: 400_000, wideArrival: 60, shortJobs: 20, shortWidth: 2, shortWork: 1_200, shortGap: 300)
        let result = try ClusterSimulator.run(jobs, config: SimulationConfig(policy: "tide", nodes: 2))
        let wide = try #require(result.jobs.first { $0.name == "wide" })
        #expect(wide.firstStart - wide.arrival <= Self.longestWait(shortWork: 1_200))
        for outcome in result.jobs where outcome.name.hasPrefix("long") {
            #expect(outcome.completionTime < 1.5 * outcome.aloneSeconds, "\(outcome.name) crawled")
        }
        #expect(result.gpuUtilisation > 0.9)
    }
}

/// A rigid policy and a job wider than the cluster: the simulation stops and names it.
@Suite struct NeverRunnableTests {
    @Test func aRigidJobWiderThanTheClusterStopsTheSimulationWithItsName() throws {
        let jobs = [
            SimulatedJob(name: "small", arrival: 0, application: "a", work: 600, speedupCurve: [1, 2], maxWorkers: 2, requestedWorkers: 2),
            SimulatedJob(name: "too-wide", arrival: 10, application: "a", work: 600, speedupCurve: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], maxWorkers: 12, requestedWorkers: 12),
        ]
        var config = SimulationConfig(policy: "fifo", nodes: 2, gpusPerNode: 4)
        config.roundSeconds = 60
        do {
            _ = try ClusterSimulator.run(jobs, config: config)
            Issue.record("the simulation of a job that can never run ended")
        } catch let error as SimulationError {
            #expect(error.message.contains("policy fifo never runs too-wide (12 workers requested"), "\(error)")
            #expect(error.message.contains("on 8 GPUs"), "\(error)")
        }
        // An elastic policy runs it at what fits.
        config.policy = "tide"
        let result = try ClusterSimulator.run(jobs, config: config)
        #expect(result.jobs.allSatisfy { $0.completion.isFinite })
    }
}
