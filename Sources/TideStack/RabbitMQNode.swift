import Foundation

/// The bundled broker: Debian's `rabbitmq-server`, run as user `rabbitmq` with
/// a node name, ports and data directory of its own (as `scripts/rabbitmq.sh`
/// does for the tests), so it never meets a system-wide node.
public struct RabbitMQNode: Sendable {
    public static let binDirectory = "/usr/lib/rabbitmq/bin"

    let configuration: StackConfiguration
    let directory: URL

    var nodeName: String { "tide-\(configuration.amqpPort)@localhost" }

    /// The supervised process: `runuser -u rabbitmq -- env ... rabbitmq-server`.
    var part: StackPart {
        let variables = [
            "HOME=\(directory.path)", "RABBITMQ_NODENAME=\(nodeName)", "RABBITMQ_USE_LONGNAME=false",
            "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1", "RABBITMQ_NODE_PORT=\(configuration.amqpPort)",
            "RABBITMQ_DIST_PORT=\(configuration.amqpDistributionPort)",
            "RABBITMQ_MNESIA_BASE=\(directory.appendingPathComponent("mnesia").path)",
            "RABBITMQ_LOG_BASE=\(directory.appendingPathComponent("log").path)",
            "RABBITMQ_ENABLED_PLUGINS_FILE=\(directory.appendingPathComponent("enabled_plugins").path)",
            "RABBITMQ_CONFIG_FILE=\(directory.appendingPathComponent("rabbitmq").path)",
            "RABBITMQ_PID_FILE=\(directory.appendingPathComponent("pid").path)", "ERL_EPMD_ADDRESS=127.0.0.1",
        ]
        return StackPart(
            name: "rabbitmq", executable: "/usr/sbin/runuser",
            arguments: ["-u", "rabbitmq", "--", "env"] + variables + ["\(Self.binDirectory)/rabbitmq-server"],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], port: configuration.amqpPort, readiness: .listening,
            level: 0, stopGrace: .seconds(30))
    }

    /// Writes the node's configuration and hands its directory to user
    /// `rabbitmq`, which must be able to reach it. Throws, naming what is
    /// missing, when the server is not installed or this is not root.
    func prepare() throws {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.binDirectory)/rabbitmq-server") else {
            throw StackError("rabbitmq-server is not installed (run scripts/install-deps.sh), or set TIDE_AMQP_URI to an existing broker")
        }
        guard let owner = getpwnam("rabbitmq") else {
            throw StackError("there is no user rabbitmq to run the broker as; install rabbitmq-server or set TIDE_AMQP_URI")
        }
        guard getuid() == 0 else {
            throw StackError("the bundled RabbitMQ runs as user rabbitmq, which needs root; run cmd up as root or set TIDE_AMQP_URI to an existing broker")
        }
        let manager = FileManager.default
        for sub in ["mnesia", "log"] {
            try manager.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try AtomicFile.write(Data("[].\n".utf8), to: directory.appendingPathComponent("enabled_plugins"))
        // Small thresholds: development machines are small and shared.
        let settings = ["disk_free_limit.absolute = 50MB", "vm_memory_high_watermark.relative = 0.6", "log.console = false", "log.file.level = warning"]
        try AtomicFile.write(Data((settings.joined(separator: "\n") + "\n").utf8), to: directory.appendingPathComponent("rabbitmq.conf"))
        let uid = owner.pointee.pw_uid
        let gid = owner.pointee.pw_gid
        try Self.chownTree(directory, uid: uid, gid: gid)
        // Every folder above must let the broker's user through.
        var parent = directory.deletingLastPathComponent()
        while parent.path != "/" {
            var info = stat()
            if stat(parent.path, &info) == 0, info.st_mode & S_IXOTH == 0 { chmod(parent.path, info.st_mode | S_IXOTH) }
            parent = parent.deletingLastPathComponent()
        }
    }

    private static func chownTree(_ root: URL, uid: uid_t, gid: gid_t) throws {
        guard chown(root.path, uid, gid) == 0 else {
            throw StackError("cannot hand \(root.path) to user rabbitmq: \(String(cString: strerror(errno)))")
        }
        chmod(root.path, 0o755)
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let relative = enumerator?.nextObject() as? String {
            _ = chown(root.appendingPathComponent(relative).path, uid, gid)
        }
    }
}
