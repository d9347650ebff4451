import ArgumentParser
import Foundation
import TideStack

/// `cmd up [--gpus N --accelerator T]`: starts the local stack's supervisor and
/// returns once every part is ready. A later `cmd up` resumes every job.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the local stack: RabbitMQ, SecantusDB, the services and the collector, supervised.",
        discussion: """
            TIDE_AMQP_URI and TIDE_MONGO_URI name existing servers to use instead of the bundled ones. \
            The first run chooses ports and tokens and keeps them in DATA_DIR/stack.json; \
            cmd then finds the stack without --server or --token.
            """)

    @OptionGroup var stack: StackOptions

    @Option(help: "GPUs on the local node local-0 (default: nvidia-smi's count, else 4; then the last run's).")
    var gpus: Int?

    @Option(help: "The local node's GPU type (default: the last run's, else local-gpu).")
    var accelerator: String?

    @Option(help: "The scheduler's allocation policy (default: the last run's, else tide).")
    var policy: String?

    @Option(help: "Seconds between metrics-collector runs (default: the last run's, else 60).")
    var collectorInterval: Double?

    @Option(help: "A job resized less than this many seconds ago keeps its count (default: last run's, else 60).")
    var minResizeInterval: Double?

    @Option(help: "Seconds between the scheduler's rounds when nothing happens (default: last run's, else 5).")
    var tickSeconds: Double?

    @Option(help: "The training service's port (default: the last run's, else 55587; 0 = any free port).")
    var apiPort: Int?

    @Option(help: "The scheduler's port (default: the last run's, else 55588; 0 = any free port).")
    var schedulerPort: Int?

    @Option(help: "The allocator's port (default: the last run's, else 55589; 0 = any free port).")
    var allocatorPort: Int?

    @Option(help: "Seconds to wait for every part to be ready.")
    var timeout = 180.0

    func validate() throws {
        if let gpus, !(0...1024).contains(gpus) { throw ValidationError("--gpus must be 0 to 1024, not \(gpus)") }
        if let accelerator, !LocalStackSetup.isGPUType(accelerator) {
            throw ValidationError("--accelerator must be a lowercase DNS label of at most 40 characters, such as nvidia-a100, not '\(accelerator)'")
        }
        if let tickSeconds, tickSeconds <= 0 { throw ValidationError("--tick-seconds must be positive") }
        if let collectorInterval, collectorInterval < 1 { throw ValidationError("--collector-interval must be at least 1 second") }
    }

    func run() async throws {
        let paths = stack.paths
        let environment = ProcessInfo.processInfo.environment
        if SupervisorLock.isHeld(paths) {
            Console.print("Tide is already up (\(paths.root.path)):")
            try StatusCommand.printStatus(paths)
            return
        }
        let setup = LocalStackSetup(paths: paths, environment: environment)
        let configuration = try setup.configuration(
            gpus: gpus, accelerator: accelerator, policy: policy, collectorInterval: collectorInterval,
            minResizeInterval: minResizeInterval, tickSeconds: tickSeconds, ports: (apiPort, schedulerPort, allocatorPort))
        try setup.checkPortsFree(configuration)
        try configuration.save(to: paths.configuration)
        try? FileManager.default.removeItem(at: paths.status)
        let executable = setup.cmdExecutable
        guard
            let pid = try SupervisorLock.launchSupervisor(
                [executable, "supervise", "--data-dir", paths.root.path], environment: environment, paths: paths)
        else {
            throw CommandFailure("another cmd up is starting the stack in \(paths.root.path)")
        }
        Console.print("Starting Tide in \(paths.root.path) (supervisor pid \(pid))")
        try await StackWait.untilReady(paths, supervisor: pid, timeout: .seconds(timeout))
        try await setup.offerLocalNode(configuration)
        try StatusCommand.printStatus(paths)
        Console.print(
            "\nTide is up: \(configuration.apiURL), node local-0 with \(configuration.gpus) \(configuration.accelerator) GPUs.")
        Console.print("Try: cmd create -f examples/jobs && cmd get jobs -w    (stop with: cmd down)")
    }
}
