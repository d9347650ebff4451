import Foundation
import Synchronization

/// Runs a command to its end with posix_spawn, reading its output through pipes.
enum Spawn {
    /// The exit status (or 128 + signal), standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let output = try Pipes()
        let errors = try Pipes()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        // Past 0-2, close everything: the pipes (EOF would never come while a
        // server the script leaves running holds them) and the test's sockets.
        // glibc 2.34+ has posix_spawn_file_actions_addclosefrom_np; Swift's Glibc module hides it.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        } else {
            for fd in [output.read, output.write, errors.read, errors.write] {
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
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        close(output.write)
        close(errors.write)
        defer {
            close(output.read)
            close(errors.read)
        }
        guard spawned == 0 else {
            throw TestServerError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        // stderr is drained on a thread of its own: a full pipe must not block the script.
        let errorText = Mutex("")
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            errorText.withLock { $0 = Self.readAll(errors.read) }
            errorsRead.signal()
        }.start()
        let outputText = readAll(output.read)
        errorsRead.wait()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, outputText, errorText.withLock { $0 })
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
