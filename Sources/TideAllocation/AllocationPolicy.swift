/// A named rule that decides worker counts from a digested snapshot.
///
/// Policies only count; `Allocator` validates input, places the counts on
/// GPUs and writes the decision, so every policy gets the contract's
/// invariants from the same code.
public protocol AllocationPolicy: Sendable {
    /// The name the snapshot's `policy` field selects.
    var name: String { get }
    /// Worker counts, the order growing and new jobs are placed in, and per-job state.
    func plan(_ problem: AllocationProblem) -> PolicyPlan
    /// Whether it runs a job at `requestedWorkers` or not at all (a waiting
    /// job's pending reason then quotes that width, not its minimum).
    var isRigid: Bool { get }
}

/// What a policy decided, before placement.
public struct PolicyPlan: Sendable {
    /// Workers per job, indexed like `problem.jobs`.
    public var counts: [Int]
    /// Job indices in the order the policy serves them.
    public var order: [Int]
    /// State to hand back next round, indexed like `problem.jobs`.
    public var state: [JSONValue]
    /// Per job, the workers it waits for when left without any, for its
    /// pending reason: nil for its minimum (its requested width under a
    /// rigid policy). `tide` waits for a job's efficient width.
    public var waitsFor: [Int]?

    public init(counts: [Int], order: [Int], state: [JSONValue], waitsFor: [Int]? = nil) {
        self.counts = counts
        self.order = order
        self.state = state
        self.waitsFor = waitsFor
    }
}

extension AllocationPolicy {
    public var isRigid: Bool { false }

    /// Runs a rigid policy: jobs in `order` at `requestedWorkers`, or not at all.
    func rigidPlan(_ problem: AllocationProblem, order: [Int], state: [JSONValue]? = nil) -> PolicyPlan {
        let rules = WorkerCountPlanner.PlanRules(order: order, admissionWidth: { problem.jobs[$0].rigidWidth }, spareGain: nil)
        let counts = WorkerCountPlanner.plan(problem, rules: rules)
        return PolicyPlan(
            counts: counts, order: order,
            state: state ?? Array(repeating: .emptyObject, count: problem.jobs.count))
    }

    /// Runs an elastic policy: every job its minimum in `order`, then spare
    /// GPUs by `gain` per GPU (default: the marginal speedup of the next worker).
    func elasticPlan(
        _ problem: AllocationProblem, order: [Int], state: [JSONValue]? = nil,
        gain: ((Int, Int) -> Double)? = nil
    ) -> PolicyPlan {
        let marginal: (Int, Int) -> Double = gain ?? { index, workers in
            let job = problem.jobs[index]
            return problem.curves[index].hullGain(from: workers) / Double(job.gpusPerWorker)
        }
        let rules = WorkerCountPlanner.PlanRules(
            order: order, admissionWidth: { problem.jobs[$0].minWorkers }, spareGain: marginal)
        let counts = WorkerCountPlanner.plan(problem, rules: rules)
        return PolicyPlan(
            counts: counts, order: order,
            state: state ?? Array(repeating: .emptyObject, count: problem.jobs.count))
    }
}
