import Foundation
import Testing
@testable import TideCore

/// Voda's kubeflow.org/v1 MPIJob documents (fixtures in Voda's shape, see Fixtures/voda/README.md).
@Suite struct VodaMPIJobTests {
    static let options = JobSpecParser.Options(defaultAccelerator: "nvidia-gtx-1080ti")

    /// name → (NP or nil, MIN_NP, MAX_NP, EPOCHS)
    static let expected: [String: (np: Int?, min: Int, max: Int, epochs: Int)] = [
        "tensorflow2-keras-mnist-elastic": (nil, 1, 8, 150),
        "tf2-keras-cifar10-inceptionv3-elastic": (2, 1, 4, 60),
        "tf2-keras-cifar10-resnet50-elastic": (2, 1, 4, 60),
        "tf2-keras-cifar10-vgg16-elastic": (2, 1, 4, 50),
        "tf2-keras-transformer-elastic": (2, 1, 4, 40),
    ]

    @Test(arguments: Fixture.vodaTensorflow2)
    func tensorflow2ExamplesAreAcceptedWithADefaultAccelerator(name: String) throws {
        let data = try Fixture.data("voda/tensorflow2/\(name).yaml")
        let job = try JobSpecParser.parse(data: data, format: .yaml, options: Self.options)
        let want = try #require(Self.expected[name])
        #expect(job.name == name)
        #expect(job.accelerator == "nvidia-gtx-1080ti")
        #expect(job.workers == .init(min: want.min, max: want.max))
        #expect(job.requestedWorkers == want.np ?? want.max)
        #expect(job.epochs == want.epochs)
        #expect(job.priority == 0)
        #expect(job.gpusPerWorker == 1)
        #expect(job.resize == .live)
        #expect(job.source == .mpiJob)
        #expect(job.mpiJob?["kind"] == .string("MPIJob"))
        #expect(job.mpiJob?["metadata"]?["name"] == .string(name))
        #expect(job.template["image"] == .string("example.org/horovod:tf2-py3"))
        #expect(job.template["name"] == nil, "container fields a tide/v1 template lacks are left in the original only")
        #expect(job.template["volumes"]?.arrayValue?.count == 2)
        // The canonical form (tide/v1 carrying the MPIJob) parses back without the option.
        #expect(try JobSpecParser.parse(data: job.canonicalJSON(), format: .json) == job)
    }

    @Test(arguments: Fixture.vodaTensorflow2)
    func refusedWithoutADefaultAccelerator(name: String) throws {
        let data = try Fixture.data("voda/tensorflow2/\(name).yaml")
        do {
            _ = try JobSpecParser.parse(data: data, format: .yaml)
            Issue.record("accepted without an accelerator")
        } catch {
            #expect(error.errors == [FieldError(
                path: "spec.mpiReplicaSpecs.Worker.template.spec.nodeSelector.vodascheduler/accelerator",
                message: "is required: this MPIJob names no GPU type; set the worker nodeSelector "
                    + "vodascheduler/accelerator, or give the server --default-accelerator")])
        }
    }

    @Test func staleExampleIsRefusedWithTheMissingFieldsNamed() throws {
        let data = try Fixture.data("voda/pytorch/pytorch_mnist_elastic.yaml")
        do {
            _ = try JobSpecParser.parse(data: data, format: .yaml, options: Self.options)
            Issue.record("accepted")
        } catch {
            let env = "spec.mpiReplicaSpecs.Launcher.template.spec.containers[0].env"
            #expect(error.errors == [
                FieldError(path: env, message: "is missing MIN_NP: set it to the gang minimum number of workers, as in {name: MIN_NP, value: \"4\"}"),
                FieldError(path: env, message: "is missing MAX_NP: set it to the elastic maximum number of workers, as in {name: MAX_NP, value: \"4\"}"),
                FieldError(path: env, message: "is missing EPOCHS: set it to the total number of epochs, for estimates, as in {name: EPOCHS, value: \"4\"}"),
            ])
        }
    }

    static func mpiJob(env: String, nodeSelector: String = "", gpus: String = "1") -> String {
        """
        apiVersion: kubeflow.org/v1
        kind: MPIJob
        metadata: {name: horovod-job}
        spec:
          slotsPerWorker: 1
          mpiReplicaSpecs:
            Launcher:
              replicas: 1
              template:
                spec:
                  containers:
                  - name: launcher
                    image: horovod:1
                    env: \(env)
            Worker:
              replicas: 2
              template:
                spec:
                  \(nodeSelector.isEmpty ? "" : "nodeSelector: \(nodeSelector)")
                  containers:
                  - name: worker
                    image: horovod:1
                    resources: {limits: {nvidia.com/gpu: \(gpus)}}
        """
    }

    @Test func prioritySelectorAndGPUsAreMapped() throws {
        let text = Self.mpiJob(
            env: "[{name: NP, value: \"3\"}, {name: MIN_NP, value: \"2\"}, {name: MAX_NP, value: \"6\"}, {name: EPOCHS, value: \"90\"}, {name: JOB_PRIORITY, value: \"2\"}]",
            nodeSelector: "{vodascheduler/accelerator: nvidia-tesla-v100}", gpus: "\"2\"")
        let job = try #require(parseYAML(text))
        #expect(job.accelerator == "nvidia-tesla-v100", "the nodeSelector wins over no option")
        #expect(job.priority == -2, "Voda's 0 is the highest: priority = -JOB_PRIORITY")
        #expect(job.workers == .init(min: 2, max: 6))
        #expect(job.requestedWorkers == 3)
        #expect(job.epochs == 90)
        #expect(job.gpusPerWorker == 2)
        let withOption = try JobSpecParser.parse(text, format: .yaml, options: Self.options)
        #expect(withOption.accelerator == "nvidia-tesla-v100", "the nodeSelector wins over the option")
    }

    @Test func badMPIJobValuesNameTheirEnvEntries() throws {
        let text = Self.mpiJob(
            env: "[{name: NP, value: \"9\"}, {name: MIN_NP, value: \"8\"}, {name: MAX_NP, value: \"4\"}, {name: EPOCHS, value: many}, {name: JOB_PRIORITY, value: \"-5000\"}]",
            nodeSelector: "{vodascheduler/accelerator: V100}")
        let found = errors(text)
        let env = "spec.mpiReplicaSpecs.Launcher.template.spec.containers[0].env"
        #expect(found.messages(at: "\(env)[1].value") == ["must be between 1 and MAX_NP (4) (got \"8\")"])
        #expect(found.messages(at: "\(env)[0].value") == ["must be between 1 and MAX_NP (4) (got \"9\")"])
        #expect(found.messages(at: "\(env)[3].value") == ["EPOCHS must be a whole number (got \"many\")"])
        #expect(found.messages(at: "\(env)[4].value") == ["must be between -1000 and 1000 (got \"-5000\")"])
        #expect(found.messages(at: "spec.mpiReplicaSpecs.Worker.template.spec.nodeSelector.vodascheduler/accelerator").first?
            .hasPrefix("must be a GPU type") == true)
        #expect(found.errors.count == 5, "\(found)")
    }

    @Test func badDefaultAcceleratorIsNamedAsTheOption() throws {
        let text = Self.mpiJob(env: "[{name: MIN_NP, value: \"1\"}, {name: MAX_NP, value: \"2\"}, {name: EPOCHS, value: \"3\"}]")
        let found = errors(text, options: .init(defaultAccelerator: "Bad GPU"))
        #expect(found.errors.map(\.path) == ["--default-accelerator"])
    }

    @Test func missingReplicaSpecs() throws {
        let found = errors("apiVersion: kubeflow.org/v1\nkind: MPIJob\nmetadata: {name: x}\nspec: {mpiReplicaSpecs: {Launcher: {}}}\n")
        #expect(found.messages(at: "spec.mpiReplicaSpecs.Launcher.template") == ["is required: the launcher pod template"])
        #expect(found.messages(at: "spec.mpiReplicaSpecs.Worker") == ["is required: the worker replica spec"])
    }
}
