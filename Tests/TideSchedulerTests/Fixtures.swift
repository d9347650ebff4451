import Foundation
import TideCore
import TideJobs
import TideScheduler

/// Jobs and nodes built by hand for the scheduler's pure tests.
enum Fixtures {
    static func spec(
        _ name: String, min: Int = 1, max: Int = 4, requested: Int? = nil, gpusPerWorker: Int = 1, priority: Int = 0,
        resize: ResizeMode = .restart, maxRetries: Int = 2
    ) -> JobSpec {
        JobSpec(
            name: name, accelerator: "v100", workers: .init(min: min, max: max), requestedWorkers: requested ?? max,
            gpusPerWorker: gpusPerWorker, priority: priority, preemptible: true, queue: "default", epochs: 10,
            resize: resize, maxRetries: maxRetries, timeLimitSeconds: nil, failback: nil,
            template: .object(["command": .array([.string("python3"), .string("train.py")])]), checkpointVolume: nil,
            mpiJob: nil)
    }

    static func job(_ spec: JobSpec, submitted: Double = 0, record: SchedulerRecord = SchedulerRecord()) -> ManagedJob {
        let stored = StoredJob(submitting: spec, storedName: spec.name, at: Date(timeIntervalSince1970: submitted))
        return ManagedJob(stored: stored, record: record)
    }

    static func node(_ name: String, gpus: Int, schedulable: Bool = true) -> NodeRecord {
        NodeRecord(name: name, accelerator: "v100", gpus: gpus, schedulable: schedulable, updated: Date(timeIntervalSince1970: 0))
    }
}
