import CLocalSpawn
import Foundation
import TideBackend

/// Starts `tide-worker-shim` for one worker (see the shim's `main.c` for what it records).
struct ShimLauncher: Sendable {
    /// The shim executable.
    let shim: URL
    /// The variables a worker takes from the scheduler's own environment.
    let inherited: [String]

    /// The worker's environment: the inherited variables, the launch's own over
    /// them, and `CUDA_VISIBLE_DEVICES` from its GPUs (empty for none, so that
    /// a worker given no GPU sees none rather than all of them).
    func environment(for launch: WorkerLaunch) -> [String: String] {
        let own = ProcessInfo.processInfo.environment
        var environment: [String: String] = [:]
        for name in inherited { environment[name] = own[name] }
        environment.merge(launch.environment) { $1 }
        environment["CUDA_VISIBLE_DEVICES"] = launch.gpus.map(String.init).joined(separator: ",")
        return environment
    }

    /// Spawns the shim with `lock` (held by the caller) as its descriptor 3 and
    /// the worker's log as its output; returns the pid of the shim's first
    /// process, which forks the real shim and exits at once.
    func spawn(_ launch: WorkerLaunch, in directory: WorkerDirectory, lock: Int32) throws -> pid_t {
        let log = open(directory.logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            throw BackendError("cannot open \(directory.logFile.path): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        let workdir = launch.workingDirectory ?? directory.url.path
        let arguments = [shim.path, directory.url.path, "-C", workdir, "--"] + launch.command
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment(for: launch).sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = tide_spawn_shim(shim.path, argv, envp, log, lock, &pid)
        guard result == 0 else {
            throw BackendError("cannot run the worker shim \(shim.path): \(String(cString: strerror(result)))")
        }
        return pid
    }
}
