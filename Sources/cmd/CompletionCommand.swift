import ArgumentParser

/// `cmd completion bash|zsh|fish`: the shell completion script, to source or install.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script.",
        discussion: """
            bash: source <(cmd completion bash)
            zsh:  cmd completion zsh > "${fpath[1]}/_cmd"
            fish: cmd completion fish > ~/.config/fish/completions/cmd.fish
            """)

    @Argument(help: "bash, zsh or fish.")
    var shell: CompletionShell

    func run() {
        Console.print(Cmd.completionScript(for: shell), terminator: "")
    }
}

extension CompletionShell: @retroactive ExpressibleByArgument {}
