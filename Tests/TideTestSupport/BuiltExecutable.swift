import Foundation

/// An executable of this package, built next to the test bundle, whatever the scratch
/// path (`.build`, `.build-props`, ...). `TIDE_<NAME>` (upper case, `-` as `_`) overrides.
public func builtExecutable(_ name: String) throws -> URL {
    let fileManager = FileManager.default
    var candidates: [URL] = []
    let variable = "TIDE_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    if let explicit = ProcessInfo.processInfo.environment[variable] {
        candidates.append(URL(fileURLWithPath: explicit))
    }
    // The test bundle: <scratch>/<triple>/debug/tidePackageTests.xctest (a file on Linux, a directory on macOS).
    for path in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
        var directory = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name))
            directory.deleteLastPathComponent()
        }
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        candidates.append(URL(fileURLWithPath: bundle.bundlePath).deletingLastPathComponent().appendingPathComponent(name))
    }
    // Any scratch directory's debug build in the package root.
    let root = TestServers.repositoryRoot
    if let entries = try? fileManager.contentsOfDirectory(atPath: root.path) {
        for entry in entries.sorted() where entry.hasPrefix(".build") {
            candidates.append(root.appendingPathComponent(entry).appendingPathComponent("debug/\(name)"))
        }
    }
    guard let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath })
    else {
        throw TestServerError("\(name) is not built; tried \(candidates.map(\.path))")
    }
    return found
}
