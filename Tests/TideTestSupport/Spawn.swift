import Foundation
import Synchronization

/// Runs commands with posix_spawn: a clean signal mask and no inherited descriptors.
public enum Spawn {
    /// Runs a command to its end with `input` on its stdin: the exit status (or 128 + signal),
    /// standard output and standard error. `environment` replaces the test's own when given.
    public static func run(
        _ arguments: [String], input: Data = Data(), environment: [String: String]? = nil
    ) throws -> (status: Int32, output: String, errors: String) {
        let stdin = try Pipes()
        let output = try Pipes()
        let errors = try Pipes()
        let pid: pid_t
        do {
            pid = try start(arguments, environment: environment, stdin: stdin.read, stdout: output.write,
                            stderr: errors.write)
        } catch {
            [stdin.read, stdin.write, output.read, output.write, errors.read, errors.write].forEach { close($0) }
            throw error
        }
        close(stdin.read)
        close(output.write)
        close(errors.write)
        defer {
            close(output.read)
            close(errors.read)
        }
        // stdin is written and stderr drained on threads of their own: no full pipe blocks the child.
        let errorText = Mutex("")
        let done = DispatchSemaphore(value: 0)
        Thread {
            errorText.withLock { $0 = Self.readAll(errors.read) }
            done.signal()
        }.start()
        Thread {
            input.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(stdin.write, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 { offset += written } else if errno != EINTR { break }
                }
            }
            close(stdin.write)
            done.signal()
        }.start()
        let outputText = readAll(output.read)
        done.wait()
        done.wait()
        return (waitForExit(pid), outputText, errorText.withLock { $0 })
    }

    /// Starts `arguments[0]` with the given descriptors as 0, 1 and 2 and nothing else open.
    static func start(
        _ arguments: [String], environment: [String: String]?, stdin: Int32?, stdout: Int32, stderr: Int32
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Past 0-2, close everything: pipes (EOF would never come while a server the
        // child leaves running holds them) and the test's sockets.
        // glibc 2.34+ has posix_spawn_file_actions_addclosefrom_np; Swift's Glibc module hides it.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        } else {
            for fd in Set([stdin, stdout, stderr].compactMap { $0 }) where fd > 2 {
                posix_spawn_file_actions_addclose(&actions, fd)
            }
        }
        // The calling thread may block signals (Swift's pool threads block
        // them all) and a child inherits its mask: a server started from it
        // would never see SIGTERM. Start the child with none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { variables in
            variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, arguments[0], &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw TestServerError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Blocks until `pid` exits: its status, or 128 + the signal that ended it.
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return exitCode(status)
    }

    static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func readAll(_ fd: Int32) -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    private struct Pipes {
        let read: Int32
        let write: Int32

        init() throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw TestServerError("pipe: \(String(cString: strerror(errno)))") }
            (read, write) = (fds[0], fds[1])
        }
    }
}
