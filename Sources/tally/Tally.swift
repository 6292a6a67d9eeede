import ArgumentParser

/// The `tally` command: one subcommand per job.
@main
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A terminal workbench for human feedback on language models.",
        subcommands: [WorldCommand.self]
    )
}
