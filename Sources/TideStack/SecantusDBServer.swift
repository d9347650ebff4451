import Foundation

/// Finds the bundled database server, PyPI `secantusdb`'s `secantusd-py`.
enum SecantusDBServer {
    /// On PATH, else in Python's scripts directories where pip puts it.
    static func locate(environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/root/.local/bin"]
        for directory in candidates {
            let file = directory + "/secantusd-py"
            if FileManager.default.isExecutableFile(atPath: file) { return file }
        }
        return nil
    }
}
