/// The fields of a job as read from either document kind, before the rules
/// are applied. Absent optional fields take their defaults in `validate`.
struct JobDraft {
    var name: Sourced<String>?
    var accelerator: Sourced<String>?
    var minWorkers: Sourced<Int>?
    var maxWorkers: Sourced<Int>?
    var requestedWorkers: Sourced<Int>?
    var gpusPerWorker: Sourced<Int>?
    /// Voda's `JOB_PRIORITY` arrives here already negated; `shown` keeps the text as written.
    var priority: Sourced<Int>?
    var preemptible: Bool?
    var queue: Sourced<String>?
    var epochs: Sourced<Int>?
    var resize: Sourced<String>?
    var maxRetries: Sourced<Int>?
    var timeLimit: Sourced<String>?
    /// Set when a failback was given; its accelerator may still be missing (reported by the reader).
    var failbackAccelerator: Sourced<String>?
    var template: JSONValue?
    var checkpointClaim: Sourced<String>?
    var mpiJob: JSONValue?
    /// True when `priority` is Voda's `JOB_PRIORITY` (negated): its range message is about the source value.
    var priorityIsNegated = false

    /// Applies every rule; returns the job only if nothing at all is wrong.
    func validate(problems: inout Problems) -> JobSpec? {
        if let name {
            for message in JobRules.nameProblems(name.value) { problems.add(name.path, message) }
        }
        if let accelerator {
            for message in JobRules.acceleratorProblems(accelerator.value) { problems.add(accelerator.path, message) }
        }

        let limit = JobRules.workers
        let max = check(maxWorkers, in: limit, problems: &problems)
        var min: Int?
        if let minWorkers {
            if let max, let maxWorkers {
                min = check(
                    minWorkers, in: limit.lowerBound...max,
                    bounds: "\(limit.lowerBound) and \(maxWorkers.label) (\(max))", problems: &problems)
            } else {
                min = check(minWorkers, in: limit, problems: &problems)
            }
        }
        var requested = max
        if let requestedWorkers {
            let low = min ?? limit.lowerBound
            let high = max ?? limit.upperBound
            let lowText = min.map { "\(minWorkers!.label) (\($0))" } ?? "\(low)"
            let highText = max.map { "\(maxWorkers!.label) (\($0))" } ?? "\(high)"
            requested = check(requestedWorkers, in: low...high, bounds: "\(lowText) and \(highText)", problems: &problems)
        }
        let gpus = gpusPerWorker.map { check($0, in: JobRules.gpusPerWorker, problems: &problems) } ?? 1
        let priorityValue: Int?
        if let priority {
            let range = JobRules.priority
            let shownRange = priorityIsNegated ? (-range.upperBound)...(-range.lowerBound) : range
            let bounds = "\(shownRange.lowerBound) and \(shownRange.upperBound)"
            priorityValue = check(priority, in: range, bounds: bounds, problems: &problems)
        } else {
            priorityValue = 0
        }
        if let queue {
            if queue.value.count > JobRules.maxQueueLength {
                problems.add(queue.path, "must be at most \(JobRules.maxQueueLength) characters (got \(queue.value.count))")
            }
            if !JobRules.isLabel(queue.value) {
                problems.add(queue.path, "must be a queue name: \(JobRules.labelRule) (got \(queue.shown))")
            }
        }
        let epochsValue = epochs.flatMap { check($0, in: JobRules.epochs, problems: &problems) }
        var resizeMode: ResizeMode? = .restart
        if let resize {
            resizeMode = ResizeMode(rawValue: resize.value)
            if resizeMode == nil {
                problems.add(resize.path, "must be restart or live (got \(resize.shown))")
            }
        }
        let retries = maxRetries.map { check($0, in: JobRules.maxRetries, problems: &problems) } ?? 3
        var timeLimitSeconds: Int?
        if let timeLimit {
            if let seconds = DurationText.seconds(timeLimit.value) {
                if seconds > JobRules.timeLimitSeconds.upperBound {
                    problems.add(
                        timeLimit.path,
                        "must be at most \(JobRules.timeLimitSeconds.upperBound / 3600)h (365 days) (got \(timeLimit.shown))")
                } else {
                    timeLimitSeconds = seconds
                }
            } else {
                problems.add(
                    timeLimit.path,
                    "must be a duration of hours, minutes and seconds such as 2h, 90m, 1h30m or 45s (got \(timeLimit.shown))")
            }
        }
        if let failbackAccelerator {
            for message in JobRules.acceleratorProblems(failbackAccelerator.value) {
                problems.add(failbackAccelerator.path, message)
            }
            if let accelerator, accelerator.value == failbackAccelerator.value {
                problems.add(
                    failbackAccelerator.path,
                    "must differ from \(accelerator.label) (\(accelerator.shown)): failback retries on another GPU type")
            }
        }
        if let checkpointClaim, !JobRules.isSubdomain(checkpointClaim.value) {
            problems.add(
                checkpointClaim.path,
                "must be a volume claim name: dot-separated \(JobRules.labelRule), at most 253 characters (got \(checkpointClaim.shown))")
        }

        guard problems.isEmpty, let name, let accelerator, let min, let max, let requested, let gpus,
            let priorityValue, let epochsValue, let resizeMode, let retries, let template
        else { return nil }
        return JobSpec(
            name: name.value, accelerator: accelerator.value, workers: .init(min: min, max: max),
            requestedWorkers: requested, gpusPerWorker: gpus, priority: priorityValue, preemptible: preemptible ?? true,
            queue: queue?.value ?? "default", epochs: epochsValue, resize: resizeMode, maxRetries: retries,
            timeLimitSeconds: timeLimitSeconds, failback: failbackAccelerator.map { .init(accelerator: $0.value) },
            template: template, checkpointVolume: checkpointClaim.map { .init(claimName: $0.value) }, mpiJob: mpiJob)
    }

    /// The value if within `range`, else reports "must be between …" and returns nil.
    private func check(
        _ field: Sourced<Int>?, in range: ClosedRange<Int>, bounds: String? = nil, problems: inout Problems
    ) -> Int? {
        guard let field else { return nil }
        guard range.contains(field.value) else {
            let text = bounds ?? "\(range.lowerBound) and \(range.upperBound)"
            problems.add(field.path, "must be between \(text) (got \(field.shown))")
            return nil
        }
        return field.value
    }
}
