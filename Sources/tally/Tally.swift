import ArgumentParser

/// The `tally` command: one subcommand per job.
@main
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A terminal workbench for human feedback on language models.",
        subcommands: [
            Init.self, Import.self, Export.self, Status.self, Label.self, WorldCommand.self, SimulateCommand.self,
            SampleCommand.self, EvalCommand.self, CheckpointCommand.self, TokenizerCommand.self, Pretrain.self,
            Generate.self, TrainCommand.self, RewardModelCommand.self, RunsCommand.self, ArenaCommand.self,
            DemoCommand.self, Bench.self, Debug.self, LabelerCommand.self,
        ]
    )

    /// Picks OpenBLAS's fastest safe kernels (may re-execute the process) before parsing the command line.
    static func main() {
        OpenBLASSetup.selectFastestKernels()
        main(nil)
    }
}
