/// Reads Voda's `kubeflow.org/v1` `MPIJob` into a draft.
///
/// The job's numbers come from the first launcher container's environment:
/// `MIN_NP`, `MAX_NP`, `EPOCHS` (required), `NP` (requested workers, default
/// `MAX_NP`) and `JOB_PRIORITY` (Voda's 0 is the highest: priority =
/// −JOB_PRIORITY). The GPU type comes from the worker pod's nodeSelector
/// `vodascheduler/accelerator` (or `tide/accelerator`), else from the
/// parse option `defaultAccelerator`. GPUs per worker come from the worker
/// container's `resources.limits["nvidia.com/gpu"]` (default 1). Fields
/// Tide does not read are kept as they are in the original document.
enum MPIJobReader {
    static let acceleratorLabels = ["vodascheduler/accelerator", "tide/accelerator"]
    static let gpuResource = "nvidia.com/gpu"

    static func read(_ root: ObjectReader, options: JobSpecParser.Options, problems: inout Problems) -> JobDraft {
        var draft = JobDraft()
        draft.mpiJob = .object(root.members)
        // Horovod elastic jobs take workers joining and leaving; the MPI operator scales them in place.
        draft.resize = Sourced(value: ResizeMode.live.rawValue, path: "spec", label: "resize", shown: "live")
        if let metadata = ObjectReader(
            root.value("metadata"), path: "metadata", required: true, expecting: "a mapping with the job's name",
            problems: &problems)
        {
            draft.name = metadata.string("name", required: "the job's name, a DNS label", problems: &problems)
        }
        guard
            let spec = ObjectReader(
                root.value("spec"), path: "spec", required: true, expecting: "the MPIJob's mpiReplicaSpecs",
                problems: &problems),
            let replicas = ObjectReader(
                spec.value("mpiReplicaSpecs"), path: spec.child("mpiReplicaSpecs"), required: true,
                expecting: "the Launcher and Worker replica specs", problems: &problems)
        else { return draft }

        readLauncher(replicas, into: &draft, problems: &problems)
        readWorker(replicas, options: options, into: &draft, problems: &problems)
        return draft
    }

    /// `replicas.<role>.template.spec` and its first container.
    private static func pod(
        _ replicas: ObjectReader, role: String, problems: inout Problems
    ) -> (pod: ObjectReader, container: ObjectReader)? {
        guard
            let replica = ObjectReader(
                replicas.value(role), path: replicas.child(role), required: true,
                expecting: "the \(role.lowercased()) replica spec", problems: &problems),
            let template = ObjectReader(
                replica.value("template"), path: replica.child("template"), required: true,
                expecting: "the \(role.lowercased()) pod template", problems: &problems),
            let pod = ObjectReader(
                template.value("spec"), path: template.child("spec"), required: true,
                expecting: "the \(role.lowercased()) pod spec", problems: &problems)
        else { return nil }
        let containersPath = pod.child("containers")
        guard case .array(let containers)? = pod.value("containers"), let first = containers.first else {
            problems.add(containersPath, "is required: a list with the \(role.lowercased()) container")
            return nil
        }
        guard
            let container = ObjectReader(
                first, path: containersPath.at(0), required: true, expecting: "the \(role.lowercased()) container",
                problems: &problems)
        else { return nil }
        return (pod, container)
    }

    private static func readLauncher(_ replicas: ObjectReader, into draft: inout JobDraft, problems: inout Problems) {
        guard let (_, container) = pod(replicas, role: "Launcher", problems: &problems) else { return }
        let envPath = container.child("env")
        var entries: [String: (index: Int, value: JSONValue?)] = [:]
        switch container.value("env") {
        case .array(let elements)?:
            for (index, element) in elements.enumerated() {
                guard case .string(let name)? = element["name"], entries[name] == nil else { continue }
                entries[name] = (index, element["value"])
            }
        case nil:
            break
        case let other?:
            problems.add(envPath, "must be a list of {name, value}, got \(other.kindName)")
            return
        }

        func number(_ name: String, meaning: String, required: Bool) -> Sourced<Int>? {
            guard let entry = entries[name] else {
                if required {
                    problems.add(envPath, "is missing \(name): set it to \(meaning), as in {name: \(name), value: \"4\"}")
                }
                return nil
            }
            let path = envPath.at(entry.index).dot("value")
            guard case .string(let text)? = entry.value else {
                let got = entry.value.map { "got \($0.kindName)" } ?? "it has none (valueFrom is read only by Kubernetes)"
                problems.add(path, "\(name) must have a literal value, a whole number in quotes such as \"4\"; \(got)")
                return nil
            }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) ?? bigNumber(text) else {
                problems.add(path, "\(name) must be a whole number (got \"\(text.debugEscaped)\")")
                return nil
            }
            return Sourced(value: value, path: path, label: name, shown: "\"\(text.debugEscaped)\"")
        }

        draft.minWorkers = number("MIN_NP", meaning: "the gang minimum number of workers", required: true)
        draft.maxWorkers = number("MAX_NP", meaning: "the elastic maximum number of workers", required: true)
        draft.epochs = number("EPOCHS", meaning: "the total number of epochs, for estimates", required: true)
        draft.requestedWorkers = number("NP", meaning: "", required: false)
        if var priority = number("JOB_PRIORITY", meaning: "", required: false) {
            priority.value = priority.value == Int.min ? Int.max : -priority.value
            draft.priority = priority
            draft.priorityIsNegated = true
        }
    }

    /// Whole numbers beyond `Int`, clamped so the range check refuses them.
    private static func bigNumber(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.hasPrefix("-") || trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return trimmed.hasPrefix("-") ? Int.min : Int.max
    }

    private static func readWorker(
        _ replicas: ObjectReader, options: JobSpecParser.Options, into draft: inout JobDraft, problems: inout Problems
    ) {
        guard let (pod, container) = pod(replicas, role: "Worker", problems: &problems) else { return }
        let selectorPath = pod.child("nodeSelector")
        let selector = ObjectReader(
            pod.value("nodeSelector"), path: selectorPath, required: false, expecting: "node labels",
            problems: &problems)
        if let label = acceleratorLabels.first(where: { selector?.value($0) != nil }), let selector {
            draft.accelerator = selector.string(label, problems: &problems)
        } else if let fallback = options.defaultAccelerator {
            draft.accelerator = Sourced(
                value: fallback, path: "--default-accelerator", label: "--default-accelerator",
                shown: "\"\(fallback.debugEscaped)\"")
        } else {
            problems.add(
                selectorPath.dot(acceleratorLabels[0]),
                "is required: this MPIJob names no GPU type; set the worker nodeSelector \(acceleratorLabels[0]), "
                    + "or give the server --default-accelerator")
        }

        if let resources = ObjectReader(
            container.value("resources"), path: container.child("resources"), required: false,
            expecting: "limits and requests", problems: &problems),
            let limits = ObjectReader(
                resources.value("limits"), path: resources.child("limits"), required: false,
                expecting: "resource limits", problems: &problems),
            let gpus = limits.value(gpuResource)
        {
            let path = limits.child(gpuResource)
            if case .string(let text) = gpus, let count = Int(text) {
                draft.gpusPerWorker = Sourced(value: count, path: path, label: path, shown: "\"\(text.debugEscaped)\"")
            } else {
                draft.gpusPerWorker = ObjectReader.wholeNumber(gpus, path: path, problems: &problems)
            }
        }

        // The template Tide keeps: the worker container's fields a tide/v1 template has, and the pod's lists.
        var template = container.members.filter { TemplateReader.fields.contains($0.key) }
        for key in ["volumes", "tolerations", "imagePullSecrets"] {
            if let value = pod.value(key) { template[key] = value }
        }
        draft.template = TemplateReader.read(.object(template), path: container.path, problems: &problems)
    }
}
