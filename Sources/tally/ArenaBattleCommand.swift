import ArgumentParser
import Foundation
import TallyArena
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain

/// `tally arena battle`: checkpoints battle on stored prompts, judged by the oracle or a reward model, or queued for
/// people to vote on in `tally label`.
struct ArenaBattleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "battle",
        abstract:
            "Battle checkpoints on eval, test or your own prompts, judged by the oracle, a reward model or people.",
        discussion: """
            Every pair of --models meets on --per-pair prompts (the prompts are spread evenly over the pairs). \
            Each model answers each prompt once (base checkpoints get the task world's transcript, fine-tuned \
            ones the chat template); responses are stored with their sampling settings and seed, and reused \
            when the same checkpoint already answered the same prompt with the same settings and seed, so a \
            second judge sees the same responses. Each battle shows the two responses left and right at \
            random (recorded); the judge sees only the sides.

            Judges: oracle (the task world's rubric: the higher total wins, equal totals tie, two responses \
            below the acceptable mark are "both bad"; task-world prompts only) and rm:CHECKPOINT (a reward \
            model's scores; within --tie-margin of each other is a tie) decide at once; human queues the \
            battles for people, who vote blind in the Arena screen of `tally label` (a battle whose prompt and \
            two responses already wait for a vote is not queued again).

            --prompts eval or test takes the workspace's prompts of that split (add them with \
            `tally world prompts` and `tally import prompts`); a FILE holds one prompt a line, as plain text or \
            {"prompt": …}, and its prompts are added to the workspace's eval split (new ones are queued for \
            demonstrations, as every new prompt is). Example:
              tally arena battle --models base,sft --prompts eval --per-pair 20 --judge oracle
              tally arena leaderboard
              tally arena battle --models base,sft --prompts eval --per-pair 20 --judge human
              tally label     # Home → Arena votes
            """
    )

    @Option(help: ArgumentHelp("Two or more workspace checkpoints, by name or id.", valueName: "a,b[,c…]"))
    var models: String

    @Option(help: ArgumentHelp("The prompts: eval, test, or a file of prompts.", valueName: "eval|test|FILE"))
    var prompts: String = "eval"

    @Option(help: "Prompts (battles) per pair of models.")
    var perPair: Int = 20

    @Option(
        help: ArgumentHelp(
            "Who judges: oracle, rm:CHECKPOINT, or human (queued for `tally label`).",
            valueName: "oracle|rm:CHECKPOINT|human"))
    var judge: String = "oracle"

    @Option(help: "With --judge rm: scores this close (or closer) are a tie.")
    var tieMargin: Double = 0

    @Option(help: "Softmax temperature of the responses.")
    var temperature: Float = 0.7

    @Option(help: "The most tokens one response may have.")
    var maxNewTokens: Int = 64

    @Option(help: "The seed of the responses and of the sides: the same seed gives the same battles.")
    var seed: UInt64 = 1

    @OptionGroup var workspaceOption: WorkspaceOption

    func validate() throws {
        guard perPair >= 1 else { throw ValidationError("--per-pair must be at least 1") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
        guard tieMargin >= 0, tieMargin.isFinite else { throw ValidationError("--tie-margin must be ≥ 0") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be ≥ 0") }
        guard judge == "oracle" || judge == "human" || (judge.hasPrefix("rm:") && judge.count > 3) else {
            throw ValidationError("--judge must be oracle, rm:CHECKPOINT or human, not \(judge)")
        }
    }

    func run() throws {
        try reportingErrors {
            let (workspace, database) = try workspaceOption.open()
            defer { database.close() }
            let names = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            guard names.count >= 2 else { throw ArenaBattleError.tooFewModels }
            let contestants = try names.map { name -> ArenaContestant in
                let resolved = try CheckpointResolver.resolve(name, workspace: workspace, database: database)
                guard let record = resolved.record else {
                    throw CommandError("\(name) is a folder; the arena battles workspace checkpoints (import it first)")
                }
                guard record.kind.isPolicy else {
                    throw CommandError("\(record.name) is a \(record.kind.rawValue) model; it cannot write responses")
                }
                return ArenaContestant(
                    name: record.name, checkpointID: record.id,
                    sampler: try ResponseSampler(checkpoint: resolved.checkpoint),
                    style: resolved.defaultPromptStyle)
            }
            let arenaJudge = try Self.judge(judge, tieMargin: tieMargin, workspace: workspace, database: database)
            var battlePrompts = try Self.prompts(prompts, database: database)
            if case .oracle = arenaJudge {
                // The oracle judges task-world prompts only; the others (imported ones) are left out, and said so.
                let judgeable = battlePrompts.filter {
                    RewardModelEvaluation.worldPrompt($0.content, in: .standard) != nil
                }
                if judgeable.count < battlePrompts.count {
                    print(
                        "arena battle: the oracle judges task-world prompts only; left out "
                            + "\(battlePrompts.count - judgeable.count) of \(battlePrompts.count)")
                }
                guard !judgeable.isEmpty else {
                    throw CommandError(
                        "none of the \(battlePrompts.count) prompts is a task-world prompt the oracle can judge; "
                            + "use --judge rm:CHECKPOINT")
                }
                battlePrompts = judgeable
            }
            let settings = SamplingSettings(maxNewTokens: maxNewTokens, temperature: temperature, seed: seed)
            let pairs = contestants.count * (contestants.count - 1) / 2
            let judgedBy = arenaJudge.kind == .human ? "to be judged by people" : "judged by " + arenaJudge.name
            print(
                "arena battle: "
                    + contestants.map { TerminalSanitizer.sanitize($0.name) }.joined(separator: ", ")
                    + " on \(battlePrompts.count) prompts, \(perPair) per pair (\(pairs * perPair) battles), "
                    + "\(TerminalSanitizer.sanitize(judgedBy)); \(settings.summary)")
            let reporter = ProgressLine("battle", total: pairs * perPair, unit: "battles")
            let report = try ArenaTournament(
                database: database, contestants: contestants, judge: arenaJudge, perPair: perPair, settings: settings
            ).run(prompts: battlePrompts) { done, _ in reporter.update(done) }
            reporter.finish()
            let tooLong =
                report.skippedTooLong > 0
                ? "; left out \(report.skippedTooLong) battles whose prompt is too long for a model" : ""
            if arenaJudge.kind == .human {
                print(
                    "arena battle: queued \(report.queued.count) battles for people to judge"
                        + (report.alreadyWaiting > 0
                            ? " (\(report.alreadyWaiting) already waiting for a vote were not queued again)" : "")
                        + "; sampled \(report.sampled) responses, reused \(report.reused)" + tooLong)
                print("arena battle: vote on them in the Arena screen of `tally label` (Home → Arena votes)")
                return
            }
            var outcomes: [String: Int] = [:]
            for battle in report.battles {
                let key: String
                switch battle.outcome {
                case .a: key = battle.modelA
                case .b: key = battle.modelB
                case .tie: key = "tie"
                case .bothBad: key = "both bad"
                }
                outcomes[key, default: 0] += 1
            }
            let summary = outcomes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\(TerminalSanitizer.sanitize($0.key)) \($0.value)" }.joined(separator: ", ")
            print(
                "arena battle: stored \(report.battles.count) battles (\(summary)); sampled \(report.sampled) "
                    + "responses, reused \(report.reused)" + tooLong)
            print("arena battle: see the ratings with `tally arena leaderboard`")
        }
    }

    /// The judge `text` names.
    static func judge(
        _ text: String, tieMargin: Double, workspace: Workspace, database: TallyDatabase
    ) throws -> ArenaJudge {
        if text == "human" { return .human }
        guard text.hasPrefix("rm:") else { return .oracle }
        let reference = String(text.dropFirst(3))
        let resolved = try CheckpointResolver.resolve(reference, workspace: workspace, database: database)
        if let record = resolved.record, record.kind != .rm {
            throw CommandError(
                "--judge rm:\(reference): \(record.name) is a \(record.kind.rawValue) model, not a reward model")
        }
        return .rewardModel(
            try RewardScorer(checkpoint: resolved.checkpoint), name: resolved.record?.name ?? reference,
            tieMargin: tieMargin)
    }

    /// The prompts `text` names: a split's, or a file's (added to the eval split).
    static func prompts(_ text: String, database: TallyDatabase) throws -> [Prompt] {
        if let split = Split(rawValue: text), split != .train {
            let prompts = try database.prompts(split: split)
            guard !prompts.isEmpty else { throw ArenaBattleError.noPrompts(split.rawValue) }
            return prompts
        }
        let url = URL(fileURLWithPath: text)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw CommandError("\(text): cannot read the file; --prompts is eval, test or a file of prompts")
        }
        // Every line is checked before any prompt is added, so a bad line adds nothing.
        var contents: [String] = []
        try JSONLinesReader(url: url, name: text).forEachLine { _, line in
            let trimmed = try JSONLinesReader.text(of: line).trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.hasPrefix("{") else {
                contents.append(trimmed)
                return
            }
            guard let prompt = try JSONLinesReader.object(in: line)["prompt"]?.stringValue, !prompt.isEmpty else {
                throw LineProblem("expected {\"prompt\": \"…\"} or a line of text")
            }
            contents.append(prompt)
        }
        var ids: [Int64] = []
        for content in contents {
            let id = try database.addPrompt(.text(content), source: url.lastPathComponent, split: .eval)
            if !ids.contains(id) { ids.append(id) }
        }
        guard !ids.isEmpty else { throw ArenaBattleError.noPrompts("\(text)'s") }
        return try ids.map { try database.prompt(id: $0) }
    }
}
