import ArgumentParser

/// A failure `cmd` reports on one or a few lines and exits non-zero for.
struct CommandFailure: Error, CustomStringConvertible, Sendable {
    var description: String
    /// No answer at all: every further request would fail the same way.
    var serverUnreachable = false

    init(_ description: String, serverUnreachable: Bool = false) {
        self.description = description
        self.serverUnreachable = serverUnreachable
    }
}

extension CommandFailure {
    /// Runs `body` for each item, reporting each refusal as `Error: LABEL: message` and going on;
    /// exits 1 at the end if any was refused. An unreachable server stops at once: every item would fail alike.
    static func forEach<Item>(
        _ items: [Item], label: (Item) -> String, _ body: (Item) async throws -> Void
    ) async throws {
        var failed = 0
        for item in items {
            do {
                try await body(item)
            } catch let failure as CommandFailure where !failure.serverUnreachable {
                failed += 1
                Console.printError("Error: \(label(item)): \(failure.description)")
            }
        }
        if failed > 0 { throw ExitCode.failure }
    }
}
