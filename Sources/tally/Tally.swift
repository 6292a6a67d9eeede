import ArgumentParser

/// The `tally` command: one subcommand per job.
@main
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A terminal workbench for human feedback on language models.",
        subcommands: [
            Init.self, Import.self, Export.self, Status.self, Bench.self, Debug.self, WorldCommand.self,
            SimulateCommand.self,
        ]
    )
}
