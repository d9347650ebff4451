/// Reads a `tide/v1` `TrainingJob` document into a draft. Unknown fields
/// are refused at every level Tide defines; the template's contents below
/// its own fields are passed through.
enum TrainingJobReader {
    static let rootFields = ["apiVersion", "kind", "metadata", "spec"]
    static let metadataFields = ["name"]
    static let specFields = [
        "accelerator", "workers", "requestedWorkers", "gpusPerWorker", "priority", "preemptible", "queue", "epochs",
        "resize", "maxRetries", "timeLimit", "failback", "template", "checkpointVolume", "mpiJob",
    ]

    static func read(_ root: ObjectReader, problems: inout Problems) -> JobDraft {
        var draft = JobDraft()
        root.refuseUnknown(rootFields, in: "a tide/v1 TrainingJob", problems: &problems)

        if let metadata = ObjectReader(
            root.members["metadata"], path: "metadata", required: true, expecting: "a mapping with the job's name",
            problems: &problems)
        {
            draft.name = metadata.string("name", required: "the job's name, a DNS label", problems: &problems)
            metadata.refuseUnknown(metadataFields, in: "metadata", problems: &problems)
        }

        guard
            let spec = ObjectReader(
                root.members["spec"], path: "spec", required: true, expecting: "the job's accelerator, workers and template",
                problems: &problems)
        else { return draft }
        spec.refuseUnknown(specFields, in: "spec", problems: &problems)

        draft.accelerator = spec.string(
            "accelerator", required: "the GPU type, the value of the node label tide/accelerator", problems: &problems)
        if let workers = ObjectReader(
            spec.members["workers"], path: spec.child("workers"), required: true,
            expecting: "{min, max}: the gang minimum and the elastic maximum", problems: &problems)
        {
            draft.minWorkers = workers.int("min", required: "the gang minimum number of workers", problems: &problems)
            draft.maxWorkers = workers.int("max", required: "the elastic maximum number of workers", problems: &problems)
            workers.refuseUnknown(["min", "max"], in: "spec.workers", problems: &problems)
        }
        draft.requestedWorkers = spec.int("requestedWorkers", problems: &problems)
        draft.gpusPerWorker = spec.int("gpusPerWorker", problems: &problems)
        draft.priority = spec.int("priority", problems: &problems)
        draft.preemptible = spec.bool("preemptible", problems: &problems)
        draft.queue = spec.string("queue", problems: &problems)
        draft.epochs = spec.int("epochs", required: "the total number of epochs (work units), for estimates", problems: &problems)
        draft.resize = spec.string("resize", problems: &problems)
        draft.maxRetries = spec.int("maxRetries", problems: &problems)
        draft.timeLimit = spec.string("timeLimit", problems: &problems)
        if let failback = ObjectReader(
            spec.members["failback"], path: spec.child("failback"), required: false,
            expecting: "{accelerator}: the GPU type to retry on", problems: &problems)
        {
            draft.failbackAccelerator = failback.string(
                "accelerator", required: "the GPU type to retry on after running out of memory or time",
                problems: &problems)
            failback.refuseUnknown(["accelerator"], in: "spec.failback", problems: &problems)
        }
        draft.template = TemplateReader.read(spec.members["template"], path: spec.child("template"), problems: &problems)
        if let volume = ObjectReader(
            spec.members["checkpointVolume"], path: spec.child("checkpointVolume"), required: false,
            expecting: "{claimName}: the persistent volume claim for checkpoints", problems: &problems)
        {
            draft.checkpointClaim = volume.string(
                "claimName", required: "the persistent volume claim that holds checkpoints", problems: &problems)
            volume.refuseUnknown(["claimName"], in: "spec.checkpointVolume", problems: &problems)
        }
        if let mpiJob = spec.value("mpiJob") {
            let path = spec.child("mpiJob")
            if let document = ObjectReader(
                mpiJob, path: path, required: false, expecting: "a kubeflow.org/v1 MPIJob", problems: &problems)
            {
                if document.value("apiVersion") != .string("kubeflow.org/v1") || document.value("kind") != .string("MPIJob") {
                    problems.add(path, "must be a kubeflow.org/v1 MPIJob (apiVersion kubeflow.org/v1, kind MPIJob)")
                }
                draft.mpiJob = mpiJob
            }
        }
        return draft
    }
}
