import ArgumentParser
import Foundation
import TallyStore
import TallyTrain

/// `tally train sft`: supervised fine-tuning on the workspace's demonstrations.
struct TrainSFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Fine-tune a policy on the workspace's demonstrations (supervised fine-tuning).",
        discussion: """
            Trains on every submitted demonstration of train-split prompts (validation on the eval split, or on a \
            fixed tenth of the train prompts when the eval split has none), rendered with the chat template; the \
            loss covers only the final assistant reply. --include-chosen adds the best response of every ranking, \
            comparison and imported pair. On a workspace with task-world prompts, the oracle then evaluates the \
            result beside its parent. Examples:
              tally train sft                                   # from the newest base, 3 epochs, full fine-tuning
              tally train sft --from base --lora-rank 8 --epochs 5 --name sft-lora
            """
    )

    @OptionGroup var options: TrainOptions

    @Flag(help: "Also train on the best response of each ranking and comparison, and imported chosen responses.")
    var includeChosen = false

    @Option(help: "Task-world eval prompts per family for the oracle's eval after training (0: skip it).")
    var oraclePerFamily: Int = 20

    @Option(help: "Most tokens a response may have in the oracle's eval.")
    var maxNewTokens: Int = 64

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard oraclePerFamily >= 0 else { throw ValidationError("--oracle-per-family must be ≥ 0") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let (workspace, database) = try workspaceOption.open()
            defer { database.close() }
            let run = try SFTJob.prepare(
                options.request(defaultEpochs: 3, defaultLearningRate: 1e-3), includeChosen: includeChosen,
                workspace: workspace, database: database, log: options.note)
            let result = try TrainingRunner.train(run, options: options)
            try TrainingRunner.report(
                run, result: result, kind: "sft", options: options, oraclePerFamily: oraclePerFamily,
                maxNewTokens: maxNewTokens, workspace: workspace, database: database)
        }
    }
}
