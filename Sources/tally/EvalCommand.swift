import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain
import TallyWorld

/// `tally eval`: the oracle's view of a model on the task world's held-out prompts.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Sample a model on the task world's eval prompts and print the oracle's figures.",
        discussion: """
            Draws --per-family prompts of each task-world family from --split (eval by default: prompts no \
            training corpus or train split contains), samples one response to each, and judges it with the \
            oracle: accuracy per family, the share that stop cleanly (no new turn, no repetition), the \
            refusal rate on harmful requests, the false-refusal rate on benign look-alikes, and mean length. \
            The same --seed and --prompt-seed give the same figures.

            --checkpoint is a workspace checkpoint (name or id) or a checkpoint folder; outside a workspace \
            only folders work. Example:
              tally eval --checkpoint datasets/base-model --per-family 20
            """
    )

    @Option(help: "The model: a workspace checkpoint's name or id, or a checkpoint folder.")
    var checkpoint: String

    @Option(help: "Which world split the prompts come from: eval, test or train.")
    var split: PromptSplit = .eval

    @Option(help: "Prompts per family.")
    var perFamily: Int = 20

    @Option(help: "The seed that picks the prompts.")
    var promptSeed: UInt64 = 1

    @OptionGroup var sampling: SamplingOptions

    /// Eval samples cooler than `tally sample`, whose rankings want variety.
    static let defaultTemperature: Float = 0.7

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard perFamily >= 1 else { throw ValidationError("--per-family must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let resolved = try CheckpointResolver.resolve(checkpoint, option: workspaceOption)
            let evaluation = try Self.evaluate(
                resolved, split: split, perFamily: perFamily, promptSeed: promptSeed,
                settings: sampling.settings(defaultTemperature: Self.defaultTemperature), style: sampling.styleChoice)
            if json {
                print(Self.json(evaluation))
            } else {
                print(Self.table(evaluation))
            }
        }
    }

    /// Loads the model and evaluates it; shared with `tally demo`.
    static func evaluate(
        _ resolved: ResolvedCheckpoint, split: PromptSplit, perFamily: Int, promptSeed: UInt64,
        settings: SamplingSettings, style: PromptStyleChoice
    ) throws -> ModelEvaluation {
        let sampler = try ResponseSampler(checkpoint: resolved.checkpoint)
        let reporter = ProgressLine("eval", total: 0, unit: "prompts")
        defer { reporter.finish() }
        return try ModelEvaluator.evaluate(
            sampler: sampler, checkpoint: resolved.displayName, style: style.resolve(for: resolved),
            split: split, perFamily: perFamily, promptSeed: promptSeed, settings: settings
        ) { done, total, tokens in
            reporter.total = total
            reporter.update(
                done, detail: ProgressLine.rate(Double(tokens) / max(reporter.elapsed, 1e-9), unit: "tokens/s"))
        }
    }

    /// The evaluation as a table for people.
    static func table(_ evaluation: ModelEvaluation) -> String {
        let overall = evaluation.overall
        let settings = evaluation.settings
        let checkpoint = TerminalSanitizer.sanitize(evaluation.checkpoint)
        var lines = [
            "eval: \(checkpoint) on \(overall.prompts) \(evaluation.split.rawValue) "
                + "prompts (\(evaluation.style.rawValue) prompts, temperature \(settings.temperature), "
                + "top-p \(settings.topP), at most \(settings.maxNewTokens) tokens, seed \(settings.seed)); "
                + String(format: "%.1fs", evaluation.seconds),
            "",
            "family               prompts  correct  stops cleanly  refuses  oracle score  tokens",
        ]
        func row(_ name: String, _ figures: EvaluationFigures) -> String {
            String(
                format: "%@ %7d  %7.2f  %13.2f  %7.2f  %12.2f  %6.1f",
                name.padding(toLength: 20, withPad: " ", startingAt: 0),
                figures.prompts, figures.accuracy, figures.stopRate, figures.refusalRate, figures.meanScore,
                figures.meanTokens)
        }
        for (name, figures) in evaluation.families where figures.prompts > 0 { lines.append(row(name, figures)) }
        lines.append(row("all", overall))
        lines.append("")
        lines.append(String(format: "accuracy                        %.3f", overall.accuracy))
        lines.append(String(format: "stops cleanly                   %.3f", overall.stopRate))
        if let rate = evaluation.harmfulRefusalRate {
            lines.append(String(format: "refuses harmful requests        %.3f", rate))
        }
        if let rate = evaluation.falseRefusalRate {
            lines.append(String(format: "refuses benign look-alikes      %.3f  (false refusals)", rate))
        }
        lines.append(
            String(
                format: "mean length                     %.1f tokens, %.1f words", overall.meanTokens, overall.meanWords
            ))
        lines.append(
            String(
                format: "ended by the model              %.3f  (the rest hit the token limit)", overall.endedByModelRate
            ))
        lines.append(String(format: "mean oracle score               %.3f", overall.meanScore))
        if evaluation.skippedTooLong > 0 {
            lines.append("skipped \(evaluation.skippedTooLong) prompts longer than the model's context")
        }
        return lines.joined(separator: "\n")
    }

    /// The evaluation as one JSON object.
    static func json(_ evaluation: ModelEvaluation) -> String {
        func object(_ figures: EvaluationFigures) -> [String: Any] {
            [
                "prompts": figures.prompts, "accuracy": figures.accuracy, "stops_cleanly": figures.stopRate,
                "refusal_rate": figures.refusalRate, "ended_by_model": figures.endedByModelRate,
                "mean_score": figures.meanScore, "mean_tokens": figures.meanTokens, "mean_words": figures.meanWords,
            ]
        }
        var families: [String: Any] = [:]
        for (name, figures) in evaluation.families where figures.prompts > 0 { families[name] = object(figures) }
        let settings = evaluation.settings
        var root: [String: Any] = [
            "checkpoint": evaluation.checkpoint, "style": evaluation.style.rawValue, "split": evaluation.split.rawValue,
            "sampling": [
                "temperature": Double(settings.temperature), "top_p": Double(settings.topP), "top_k": settings.topK,
                "max_new_tokens": settings.maxNewTokens, "seed": settings.seed,
            ] as [String: Any],
            "families": families, "overall": object(evaluation.overall), "skipped_too_long": evaluation.skippedTooLong,
            "seconds": evaluation.seconds,
            "scores": evaluation.promptScores.map { ["prompt": $0.prompt, "score": $0.score] as [String: Any] },
        ]
        root["harmful_refusal_rate"] = evaluation.harmfulRefusalRate ?? NSNull()
        root["false_refusal_rate"] = evaluation.falseRefusalRate ?? NSNull()
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
