import Foundation

/// Unbuffered output, so a watch's lines reach a pipe as they happen.
enum Console {
    static func print(_ text: String = "", terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
