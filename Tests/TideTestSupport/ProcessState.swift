import Foundation

/// The state letter of process `pid` in /proc (R, S, D, T, Z...), nil when it is gone.
public func processState(_ pid: Int32) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    // "pid (comm) S ...": the command may hold spaces and parentheses, the state follows the last ')'.
    return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
}
