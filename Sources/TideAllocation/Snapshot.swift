/// One allocation round's input: the GPUs of one type and the jobs that want them.
///
/// Matches the spec's allocation contract field for field; every time is in
/// seconds on one clock.
public struct AllocationSnapshot: Codable, Sendable, Equatable {
    /// Name of the policy to run (`tide` when absent).
    public var policy: String
    public var now: Double
    /// A job resized less than this many seconds ago keeps its count, unless a
    /// higher-priority job or a gang minimum needs its GPUs.
    public var minResizeInterval: Double
    public var nodes: [NodeSnapshot]
    public var jobs: [JobSnapshot]
    /// Policy knobs; every field has the spec's default.
    public var options: PolicyOptions

    public init(
        policy: String = "tide", now: Double = 0, minResizeInterval: Double = 60,
        nodes: [NodeSnapshot], jobs: [JobSnapshot], options: PolicyOptions = PolicyOptions()
    ) {
        self.policy = policy
        self.now = now
        self.minResizeInterval = minResizeInterval
        self.nodes = nodes
        self.jobs = jobs
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case policy, now, minResizeInterval, nodes, jobs, options
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        policy = try container.decodeIfPresent(String.self, forKey: .policy) ?? "tide"
        now = try container.decodeIfPresent(Double.self, forKey: .now) ?? 0
        minResizeInterval = try container.decodeIfPresent(Double.self, forKey: .minResizeInterval) ?? 60
        nodes = try container.decode([NodeSnapshot].self, forKey: .nodes)
        jobs = try container.decode([JobSnapshot].self, forKey: .jobs)
        options = try container.decodeIfPresent(PolicyOptions.self, forKey: .options) ?? PolicyOptions()
    }
}

/// A node of the snapshot's GPU type.
public struct NodeSnapshot: Codable, Sendable, Equatable {
    public var name: String
    /// GPUs on the node, indexed `0..<gpus`.
    public var gpus: Int
    /// The GPUs this round may hand out, those held by the snapshot's jobs included.
    public var availableGpus: [Int]

    public init(name: String, gpus: Int, availableGpus: [Int]? = nil) {
        self.name = name
        self.gpus = gpus
        self.availableGpus = availableGpus ?? Array(0..<max(gpus, 0))
    }

    enum CodingKeys: String, CodingKey { case name, gpus, availableGpus }

    /// `availableGpus` defaults to every GPU of the node.
    /// The most GPUs a node may have: the validator keeps a slot per GPU
    /// index, and a node's default `availableGpus` lists every one.
    public static let mostGPUs = 65_536

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let gpus = try c.decodeWhole(.gpus)
        guard gpus <= Self.mostGPUs else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath + [CodingKeys.gpus], debugDescription: "must be at most \(Self.mostGPUs), got \(gpus)"))
        }
        self.init(
            name: try c.decode(String.self, forKey: .name), gpus: gpus,
            availableGpus: try c.decodeWholeArrayIfPresent(.availableGpus))
    }
}

/// The GPUs a job holds (or is given) on one node.
public struct NodeGPUs: Codable, Sendable, Equatable, Hashable {
    public var node: String
    public var gpus: [Int]

    public init(node: String, gpus: [Int]) {
        self.node = node
        self.gpus = gpus
    }

    enum CodingKeys: String, CodingKey { case node, gpus }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        node = try c.decode(String.self, forKey: .node)
        gpus = try c.decodeWholeArray(.gpus)
    }
}

/// How a job changes width: `restart` stops every worker, `live` adds or removes single workers.
public enum ResizeMode: String, Codable, Sendable {
    case restart
    case live
}

/// A job as the allocator sees it.
public struct JobSnapshot: Codable, Sendable, Equatable {
    public var name: String
    public var minWorkers: Int
    public var maxWorkers: Int
    /// Width for rigid policies.
    public var requestedWorkers: Int
    public var gpusPerWorker: Int
    /// Higher runs first; a strict tier in every policy.
    public var priority: Int
    /// `false`: never shrunk or stopped for another job.
    public var preemptible: Bool
    public var queue: String
    public var resize: ResizeMode
    public var submitTime: Double
    public var firstStartTime: Double?
    public var lastResizeTime: Double?
    public var attainedGpuSeconds: Double
    public var runningSeconds: Double
    public var waitingSeconds: Double
    /// Seconds of progress a restart costs this job.
    public var restartSeconds: Double
    /// The GPUs the job holds now; empty when it is not running.
    public var placement: [NodeGPUs]
    /// Throughput at a worker count, relative to one worker; keys are worker counts.
    public var speedup: [String: Double]
    /// The widths actually observed.
    public var measuredWorkers: [Int]
    /// The estimated remaining time at one worker, absent when unknown.
    public var remainingSeconds: Double?
    /// Opaque state this policy returned for the job last round.
    public var policyState: JSONValue

    public init(
        name: String, minWorkers: Int = 1, maxWorkers: Int = 1, requestedWorkers: Int? = nil,
        gpusPerWorker: Int = 1, priority: Int = 0, preemptible: Bool = true, queue: String = "default",
        resize: ResizeMode = .restart, submitTime: Double = 0, firstStartTime: Double? = nil,
        lastResizeTime: Double? = nil, attainedGpuSeconds: Double = 0, runningSeconds: Double = 0,
        waitingSeconds: Double = 0, restartSeconds: Double = 30, placement: [NodeGPUs] = [],
        speedup: [String: Double] = [:], measuredWorkers: [Int] = [], remainingSeconds: Double? = nil,
        policyState: JSONValue = .emptyObject
    ) {
        self.name = name
        self.minWorkers = minWorkers
        self.maxWorkers = maxWorkers
        self.requestedWorkers = requestedWorkers ?? maxWorkers
        self.gpusPerWorker = gpusPerWorker
        self.priority = priority
        self.preemptible = preemptible
        self.queue = queue
        self.resize = resize
        self.submitTime = submitTime
        self.firstStartTime = firstStartTime
        self.lastResizeTime = lastResizeTime
        self.attainedGpuSeconds = attainedGpuSeconds
        self.runningSeconds = runningSeconds
        self.waitingSeconds = waitingSeconds
        self.restartSeconds = restartSeconds
        self.placement = placement
        self.speedup = speedup
        self.measuredWorkers = measuredWorkers
        self.remainingSeconds = remainingSeconds
        self.policyState = policyState
    }

    enum CodingKeys: String, CodingKey {
        case name, minWorkers, maxWorkers, requestedWorkers, gpusPerWorker, priority, preemptible
        case queue, resize, submitTime, firstStartTime, lastResizeTime, attainedGpuSeconds
        case runningSeconds, waitingSeconds, restartSeconds, placement, speedup, measuredWorkers
        case remainingSeconds, policyState
    }

    /// Decodes with the spec's defaults for every field but `name`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        minWorkers = try c.decodeWholeIfPresent(.minWorkers) ?? 1
        maxWorkers = try c.decodeWholeIfPresent(.maxWorkers) ?? minWorkers
        requestedWorkers = try c.decodeWholeIfPresent(.requestedWorkers) ?? maxWorkers
        gpusPerWorker = try c.decodeWholeIfPresent(.gpusPerWorker) ?? 1
        priority = try c.decodeWholeIfPresent(.priority) ?? 0
        preemptible = try c.decodeIfPresent(Bool.self, forKey: .preemptible) ?? true
        queue = try c.decodeIfPresent(String.self, forKey: .queue) ?? "default"
        resize = try c.decodeIfPresent(ResizeMode.self, forKey: .resize) ?? .restart
        submitTime = try c.decodeIfPresent(Double.self, forKey: .submitTime) ?? 0
        firstStartTime = try c.decodeIfPresent(Double.self, forKey: .firstStartTime)
        lastResizeTime = try c.decodeIfPresent(Double.self, forKey: .lastResizeTime)
        attainedGpuSeconds = try c.decodeIfPresent(Double.self, forKey: .attainedGpuSeconds) ?? 0
        runningSeconds = try c.decodeIfPresent(Double.self, forKey: .runningSeconds) ?? 0
        waitingSeconds = try c.decodeIfPresent(Double.self, forKey: .waitingSeconds) ?? 0
        restartSeconds = try c.decodeIfPresent(Double.self, forKey: .restartSeconds) ?? 30
        placement = try c.decodeIfPresent([NodeGPUs].self, forKey: .placement) ?? []
        speedup = try c.decodeIfPresent([String: Double].self, forKey: .speedup) ?? [:]
        measuredWorkers = try c.decodeWholeArrayIfPresent(.measuredWorkers) ?? []
        remainingSeconds = try c.decodeIfPresent(Double.self, forKey: .remainingSeconds)
        policyState = try c.decodeIfPresent(JSONValue.self, forKey: .policyState) ?? .emptyObject
    }

    /// Workers the job holds now, from its placement.
    public var currentWorkers: Int {
        gpusPerWorker > 0 ? placement.reduce(0) { $0 + $1.gpus.count } / gpusPerWorker : 0
    }
}

/// Knobs of the policies, with the spec's defaults.
public struct PolicyOptions: Codable, Sendable, Equatable {
    /// Tiresias: attained GPU-seconds after which a job drops to the second queue
    /// (57,600 as in the Pollux artifact; Voda used 3,600).
    public var tiresiasDemoteGpuSeconds: Double
    /// Tiresias: a demoted job returns to the first queue once it has waited this
    /// many times its running time (Voda's knob 8); absent means no promotion.
    public var tiresiasPromoteKnob: Double?

    public init(tiresiasDemoteGpuSeconds: Double = 57_600, tiresiasPromoteKnob: Double? = nil) {
        self.tiresiasDemoteGpuSeconds = tiresiasDemoteGpuSeconds
        self.tiresiasPromoteKnob = tiresiasPromoteKnob
    }

    enum CodingKeys: String, CodingKey {
        case tiresiasDemoteGpuSeconds, tiresiasPromoteKnob
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tiresiasDemoteGpuSeconds = try c.decodeIfPresent(Double.self, forKey: .tiresiasDemoteGpuSeconds) ?? 57_600
        tiresiasPromoteKnob = try c.decodeIfPresent(Double.self, forKey: .tiresiasPromoteKnob)
    }
}

extension KeyedDecodingContainer {
    /// An integer that may be absent. A fraction such as `2.5` is refused with
    /// this key's path (Foundation reports it as invalid JSON, with no path).
    public func decodeWholeIfPresent(_ key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeWhole(key)
    }

    /// An array of integers that may be absent; a fraction or a number too
    /// large for an integer is refused with its element's path (Foundation
    /// reports either as invalid JSON, with no path).
    func decodeWholeArrayIfPresent(_ key: Key) throws -> [Int]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeWholeArray(key)
    }

    /// An array of integers, refusing fractions and overlarge numbers with the element's path.
    func decodeWholeArray(_ key: Key) throws -> [Int] {
        if let values = try? decode([Int].self, forKey: key) { return values }
        // Throws the usual error, with the path, for missing keys, non-arrays and non-numbers.
        let numbers = try decode([Double].self, forKey: key)
        let index = numbers.firstIndex { Int(exactly: $0) == nil } ?? 0
        throw DecodingError.typeMismatch(
            Int.self, .init(codingPath: codingPath + [key, ArrayIndex(intValue: index)], debugDescription: Self.notAnInteger(numbers[index])))
    }

    /// Why `number` is no `Int`.
    private static func notAnInteger(_ number: Double) -> String {
        number == number.rounded() ? "\(number) is too large" : "\(number) is not a whole number"
    }

    /// An integer, refusing fractions with this key's path.
    public func decodeWhole(_ key: Key) throws -> Int {
        if let value = try? decode(Int.self, forKey: key) { return value }
        // Throws the usual error, with the path, for missing keys, nulls and non-numbers.
        let number = try decode(Double.self, forKey: key)
        throw DecodingError.typeMismatch(Int.self, .init(codingPath: codingPath + [key], debugDescription: Self.notAnInteger(number)))
    }
}

/// An array position in a decoding error's path.
private struct ArrayIndex: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
