import ArgumentParser
import Foundation
import TideStack

/// Where the local stack lives: `--data-dir`, else `TIDE_DATA_DIR`, else `~/.local/share/tide`.
struct StackOptions: ParsableArguments {
    @Option(help: "The local stack's directory (default: TIDE_DATA_DIR, else ~/.local/share/tide).")
    var dataDir: String?

    var paths: StackPaths {
        StackPaths(root: dataDir.map { URL(fileURLWithPath: $0) } ?? StackPaths.defaultRoot())
    }
}
