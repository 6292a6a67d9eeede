import ArgumentParser
import Foundation
import TallyEngine
import TallyStore
import TallyTrain

/// `tally train rm`: a reward model from the workspace's rankings and comparisons.
struct TrainRewardModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Train a reward model on the workspace's rankings, comparisons and imported pairs.",
        discussion: """
            Starts from a policy checkpoint (default: the newest sft) with a fresh scalar head. Every ranking is \
            one example holding all its non-tied pairs, so a ranking of K responses counts once per epoch, as in \
            InstructGPT. The loss is Bradley–Terry, −log σ(r_chosen − r_rejected − margin) (a comparison's \
            strength is the margin), or with --loss plackett-luce the likelihood of the ranking's tiers, ties as \
            equal tiers. After training, a bias makes the demonstrations' mean reward 0 (stored with the \
            checkpoint), and the held-out rankings are scored: accuracy against the labelers, and on task-world \
            prompts against the oracle beside the labelers' own accuracy, per family, with calibration. Examples:
              tally train rm                          # from the newest sft, 1 epoch
              tally train rm --loss plackett-luce --lora-rank 8 --name rm-pl
            """
    )

    @OptionGroup var options: TrainOptions

    @Option(help: "bradley-terry or plackett-luce.")
    var loss: String = RewardLoss.bradleyTerry.rawValue

    @Option(help: "Adds COEF × mean(reward²) to the loss, keeping rewards near 0 (TRL's center_rewards_coefficient).")
    var centerRewards: Double = 0

    @Flag(help: "Ignore comparisons' strength (no Bradley–Terry margin).")
    var noMargin = false

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard RewardLoss(rawValue: loss) != nil else {
            throw ValidationError("--loss must be bradley-terry or plackett-luce, not \(loss)")
        }
        guard centerRewards >= 0, centerRewards.isFinite else { throw ValidationError("--center-rewards must be ≥ 0") }
    }

    func run() throws {
        try reportingErrors {
            let (workspace, database) = try workspaceOption.open()
            defer { database.close() }
            let settings = RewardModelSettings(
                loss: RewardLoss(rawValue: loss) ?? .bradleyTerry, centerRewards: centerRewards,
                useStrengthAsMargin: !noMargin)
            let (run, evalRankings) = try RewardModelJob.prepare(
                options.request(defaultEpochs: 1, defaultLearningRate: 1e-3), settings: settings,
                workspace: workspace, database: database, log: options.note)
            let result = try TrainingRunner.train(run, options: options)
            let scorer: RewardScorer
            if let trainer = run.trainer as? RewardModelTrainer {
                scorer = try RewardScorer(model: trainer.model, tokenizer: trainer.tokenizer, bias: trainer.bias)
            } else {
                let folder = workspace.root.appendingPathComponent(Workspace.checkpointPath(name: run.name))
                scorer = try RewardScorer(checkpoint: try Checkpoint.load(from: folder))
            }
            options.note(
                String(format: "normalisation bias %.4f (the demonstrations' mean reward is now 0)", scorer.bias))
            let evaluation = try RewardModelEvaluation.evaluate(
                rankings: evalRankings,
                sequences: try evalRankings.map { ranking in
                    try ranking.responses.map { try scorer.tokens(prompt: ranking.prompt, response: $0) }
                }, score: scorer.rawScores)
            let table = Self.table(evaluation, name: run.name)
            if options.json { options.note(table) } else { print(table) }
            let figures = Self.figures(evaluation)
            try run.session?.record(step: result.steps, metrics: figures.mapKeys { "final/" + $0 })
            if options.json {
                var eval: [String: Any] = figures
                eval["families"] = evaluation.families.map {
                    [
                        "family": $0.family, "pairs": $0.pairs, "oracle_accuracy": $0.oracleAccuracy,
                        "labeler_oracle_accuracy": $0.labelerOracleAccuracy,
                    ] as [String: Any]
                }
                eval["calibration"] = evaluation.calibration.map {
                    [
                        "low": $0.low, "high": $0.high, "pairs": $0.pairs, "predicted": $0.predicted,
                        "observed": $0.observed,
                    ]
                }
                eval["bias"] = scorer.bias
                print(
                    TrainingRunner.jsonLine(
                        runID: run.session?.runID, checkpoint: run.name, kind: "rm", steps: result.steps,
                        metrics: result.metrics, eval: eval))
            }
        }
    }

    /// The headline figures, under the names `--json` uses.
    static func figures(_ evaluation: RewardModelEvaluation) -> [String: Double] {
        var figures: [String: Double] = [
            "pairs": Double(evaluation.pairs), "oracle_pairs": Double(evaluation.oraclePairs),
        ]
        figures["pair_accuracy"] = evaluation.pairAccuracy
        figures["oracle_accuracy"] = evaluation.oracleAccuracy
        figures["labeler_oracle_accuracy"] = evaluation.labelerOracleAccuracy
        figures["shorter_oracle_accuracy"] = evaluation.shorterOracleAccuracy
        figures["longer_oracle_accuracy"] = evaluation.longerOracleAccuracy
        figures["calibration_error"] = evaluation.calibrationError
        figures["length_misleading_pairs"] = Double(evaluation.lengthMisleadingPairs)
        figures["oracle_accuracy_where_length_misleads"] = evaluation.oracleAccuracyWhereLengthMisleads
        figures["labeler_oracle_accuracy_where_length_misleads"] = evaluation.labelerOracleAccuracyWhereLengthMisleads
        return figures
    }

    /// The evaluation as a table for people.
    static func table(_ evaluation: RewardModelEvaluation, name: String) -> String {
        func share(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "  -  " }
        var lines = ["reward model \(name) on the held-out rankings:"]
        lines.append(
            "  pair accuracy against the labelers   \(share(evaluation.pairAccuracy))  (\(evaluation.pairs) pairs)")
        if evaluation.oraclePairs > 0 {
            lines.append(
                "  accuracy against the oracle         \(share(evaluation.oracleAccuracy))  "
                    + "(\(evaluation.oraclePairs) task-world pairs the oracle tells apart)")
            lines.append(
                "  the labelers against the oracle     \(share(evaluation.labelerOracleAccuracy))  (the ceiling)")
            lines.append(
                "  length only: shorter / longer wins  \(share(evaluation.shorterOracleAccuracy)) / "
                    + share(evaluation.longerOracleAccuracy))
            if evaluation.lengthMisleadingPairs > 0 {
                lines.append(
                    "  where the better one is not shorter  \(share(evaluation.oracleAccuracyWhereLengthMisleads)) RM, "
                        + "\(share(evaluation.labelerOracleAccuracyWhereLengthMisleads)) labelers  "
                        + "(\(evaluation.lengthMisleadingPairs) pairs: what the RM learned beyond length)")
            }
            lines.append("")
            lines.append("  family               pairs  RM vs oracle  labelers vs oracle")
            for family in evaluation.families {
                lines.append(
                    "  " + family.family.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(
                            format: " %5d  %12.3f  %18.3f", family.pairs, family.oracleAccuracy,
                            family.labelerOracleAccuracy))
            }
        }
        if !evaluation.calibration.isEmpty {
            lines.append("")
            lines.append("  calibration (probability of the side the RM prefers)   pairs  predicted  observed")
            for bin in evaluation.calibration {
                lines.append(
                    String(
                        format: "    %.1f–%.1f                                             %6d  %9.3f  %8.3f",
                        bin.low, bin.high, bin.pairs, bin.predicted, bin.observed))
            }
            if let error = evaluation.calibrationError {
                lines.append(String(format: "    expected calibration error %.3f", error))
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension Dictionary {
    /// The same values under keys transformed by `transform`.
    func mapKeys<NewKey>(_ transform: (Key) -> NewKey) -> [NewKey: Value] {
        [NewKey: Value](uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
