import ArgumentParser

/// `tally train sft|rm`: fine-tune checkpoints on the workspace's labels.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train on the workspace's labels: SFT, reward models, DPO, and online RL (PPO, GRPO, RLOO).",
        discussion: """
            Every trainer shares one training session: a run row with its parents and settings (`tally runs`), \
            a progress line, validation every --eval-every steps, checkpoints in checkpoints/NAME/ every \
            --save-every steps and on Ctrl-C. Run the same command again after an interruption (Ctrl-C, kill, a \
            crash) and it resumes where the last save left off, ending with the same weights as a run never \
            interrupted. A finished run registers its checkpoint with its SHA-256.
            """,
        subcommands: [
            TrainSFTCommand.self, TrainRewardModelCommand.self, TrainDPOCommand.self, TrainPPOCommand.self,
            TrainGRPOCommand.self, TrainRLOOCommand.self,
        ]
    )
}
