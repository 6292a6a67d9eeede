import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain

/// `tally sample`: fills the ranking queue with K samples per prompt from a checkpoint.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample K responses per prompt from a checkpoint and queue them for ranking.",
        discussion: """
            Takes the workspace's prompts of --split that have no responses yet (oldest first, at most \
            --prompts of them), samples --k responses to each from the checkpoint, and stores them with the \
            checkpoint, the sampling parameters and each prompt's seed, one ranking task per prompt. Each \
            prompt's responses are committed together, so an interrupted run resumes where it stopped.

            --checkpoint is a workspace checkpoint (name or id) or a checkpoint folder (Tally or Hugging Face \
            layout). Base models are given the task world's transcript ("User: …\\nAssistant:"), fine-tuned \
            ones the chat template (see --style). Example:
              tally sample --checkpoint base --k 4 --prompts 200 --temperature 1 --top-p 0.95 --seed 7
            """
    )

    @OptionGroup var workspaceOption: WorkspaceOption

    @Option(help: "The model: a workspace checkpoint's name or id, or a checkpoint folder.")
    var checkpoint: String

    @Option(name: .customLong("k"), help: "Responses per prompt (2 to 9).")
    var responsesPerPrompt: Int = 4

    @Option(help: "Sample for at most this many prompts (default: every prompt that still needs responses).")
    var prompts: Int?

    @Option(help: "Which prompts: train, eval or test.")
    var split: String = Split.train.rawValue

    @OptionGroup var sampling: SamplingOptions

    /// InstructGPT sampled its ranking candidates at temperature 1: variety is what labelers compare.
    static let defaultTemperature: Float = 1

    func validate() throws {
        guard (2...9).contains(responsesPerPrompt) else { throw ValidationError("--k must be between 2 and 9") }
        if let prompts, prompts < 1 { throw ValidationError("--prompts must be at least 1") }
        guard Split(rawValue: split) != nil else { throw ValidationError("--split must be train, eval or test") }
    }

    func run() throws {
        try reportingErrors {
            let (workspace, database) = try workspaceOption.open()
            defer { database.close() }
            try Self.sample(
                workspace: workspace, database: database, checkpoint: checkpoint, k: responsesPerPrompt,
                prompts: prompts, split: Split(rawValue: split) ?? .train,
                settings: sampling.settings(defaultTemperature: Self.defaultTemperature), style: sampling.styleChoice)
        }
    }

    /// Samples into the ranking queue and prints what happened; shared with `tally demo`.
    @discardableResult
    static func sample(
        workspace: Workspace, database: TallyDatabase, checkpoint reference: String, k: Int, prompts limit: Int?,
        split: Split, settings: SamplingSettings, style styleChoice: PromptStyleChoice
    ) throws -> RankingQueueFiller.Report {
        let resolved = try CheckpointResolver.resolve(reference, workspace: workspace, database: database)
        let style = styleChoice.resolve(for: resolved)
        let prompts = try database.promptsAwaitingResponses(split: split, limit: limit)
        guard !prompts.isEmpty else {
            print("sample: no \(split.rawValue) prompt needs responses; import prompts with `tally import prompts`")
            return RankingQueueFiller.Report()
        }
        let sampler = try ResponseSampler(checkpoint: resolved.checkpoint)
        print(
            "sample: \(k) responses to each of \(prompts.count) \(split.rawValue) prompts from "
                + "\(TerminalSanitizer.sanitize(resolved.displayName)) (\(style.rawValue) prompts, \(settings.summary))"
        )
        let filler = RankingQueueFiller(
            database: database, sampler: sampler, checkpointID: resolved.record?.id, responsesPerPrompt: k,
            settings: settings)
        let progress = ProgressLine("sample", total: prompts.count, unit: "prompts")
        let report = try filler.fill(
            prompts, render: { ModelPromptRendering.modelPrompt($0, style: style) },
            progress: { done, report in
                progress.update(
                    done,
                    detail: ProgressLine.rate(
                        Double(report.generatedTokens) / max(progress.elapsed, 1e-9), unit: "tokens/s"))
            })
        progress.finish()
        let seconds = progress.elapsed
        print(
            String(
                format: "sample: queued %d ranking tasks (%d responses) in %.1fs, %.0f tokens/s; "
                    + "%.0f%% of responses ended by the model, the rest cut at %d tokens",
                report.prompts, report.responses, seconds, Double(report.generatedTokens) / max(seconds, 1e-9),
                100 * Double(report.stoppedResponses) / Double(max(report.responses, 1)), settings.maxNewTokens))
        if !report.tooLong.isEmpty {
            print(
                "sample: skipped \(report.tooLong.count) prompts longer than the model's context "
                    + "(ids \(report.tooLong.prefix(10).map(String.init).joined(separator: ", "))"
                    + (report.tooLong.count > 10 ? ", …" : "") + ")")
        }
        return report
    }
}
