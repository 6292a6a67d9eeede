import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain
import TallyWorld

/// The oracle's eval of a trained checkpoint beside its parent's, on the task world's held-out prompts.
struct OracleComparison {
    var parent: ModelEvaluation
    var result: ModelEvaluation

    /// Whether the workspace holds task-world prompts (then the oracle can judge its models).
    static func isWorldWorkspace(_ database: TallyDatabase) throws -> Bool {
        try database.prompts().contains { $0.source == "world" }
    }

    /// Evaluates `parent` and `result` (workspace checkpoint names) on the same prompts with the same draws.
    static func run(
        parent: String, result: String, perFamily: Int, seed: UInt64, maxNewTokens: Int, workspace: Workspace,
        database: TallyDatabase
    ) throws -> OracleComparison {
        let settings = SamplingSettings(
            maxNewTokens: maxNewTokens, temperature: EvalCommand.defaultTemperature, seed: seed)
        func evaluate(_ name: String) throws -> ModelEvaluation {
            let resolved = try CheckpointResolver.resolve(name, workspace: workspace, database: database)
            return try EvalCommand.evaluate(
                resolved, split: .eval, perFamily: perFamily, promptSeed: seed, settings: settings, style: .auto)
        }
        return OracleComparison(parent: try evaluate(parent), result: try evaluate(result))
    }

    /// Family by family: accuracy and mean oracle score, parent then result.
    var table: String {
        let left = TerminalSanitizer.sanitize(parent.checkpoint)
        let right = TerminalSanitizer.sanitize(result.checkpoint)
        var lines = [
            "oracle eval on \(result.overall.prompts) held-out task-world prompts (\(parent.style.rawValue) prompts "
                + "for \(left), \(result.style.rawValue) for \(right)):",
            "family               accuracy \(pad(left, 8)) → \(pad(right, 8))   oracle score \(pad(left, 8)) → \(pad(right, 8))",
        ]
        for ((name, before), (_, after)) in zip(parent.families, result.families) where after.prompts > 0 {
            lines.append(row(name, before, after))
        }
        lines.append(row("all", parent.overall, result.overall))
        lines.append(
            String(
                format: "stops cleanly %.3f → %.3f;  ended by the model %.3f → %.3f;  mean length %.1f → %.1f tokens",
                parent.overall.stopRate, result.overall.stopRate, parent.overall.endedByModelRate,
                result.overall.endedByModelRate, parent.overall.meanTokens, result.overall.meanTokens))
        if let before = parent.harmfulRefusalRate, let after = result.harmfulRefusalRate {
            lines.append(String(format: "refuses harmful requests %.3f → %.3f", before, after))
        }
        if let before = parent.falseRefusalRate, let after = result.falseRefusalRate {
            lines.append(String(format: "refuses benign look-alikes %.3f → %.3f (false refusals)", before, after))
        }
        if let winRate {
            lines.append(
                String(
                    format:
                        "the oracle prefers %@ to %@ on %.3f of the prompts (95%% interval %.3f–%.3f; %d wins, %d ties of %d)",
                    right, left, winRate.rate, winRate.low, winRate.high, winRate.wins, winRate.ties, winRate.prompts))
        }
        return lines.joined(separator: "\n")
    }

    /// The oracle's win rate of the result over its parent, prompt by prompt (ties half), with a 95 % bootstrap
    /// interval; nil when the two were not judged on the same prompts.
    var winRate: PairedWinRate? {
        guard parent.promptScores.map(\.prompt) == result.promptScores.map(\.prompt) else { return nil }
        return PairedWinRate(scores: result.promptScores.map(\.score), against: parent.promptScores.map(\.score))
    }

    /// The figures for `--json` and the run's metrics.
    var metrics: [String: Double] {
        var values: [String: Double] = [
            "oracle/mean_score": result.overall.meanScore, "oracle/accuracy": result.overall.accuracy,
            "oracle/stops_cleanly": result.overall.stopRate, "oracle_parent/mean_score": parent.overall.meanScore,
            "oracle_parent/accuracy": parent.overall.accuracy, "oracle_parent/stops_cleanly": parent.overall.stopRate,
        ]
        if let winRate {
            values["oracle/win_rate"] = winRate.rate
            values["oracle/win_rate_low"] = winRate.low
            values["oracle/win_rate_high"] = winRate.high
        }
        return values
    }

    private func row(_ name: String, _ before: EvaluationFigures, _ after: EvaluationFigures) -> String {
        String(
            format: "%@ %5.2f → %5.2f              %5.3f → %5.3f", pad(name, 20), before.accuracy, after.accuracy,
            before.meanScore, after.meanScore)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
