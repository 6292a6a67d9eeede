import ArgumentParser
import Foundation
import TallyEngine
import TallyIO
import TallyStore
import TallyTrain
import TallyWorld

/// `tally demo`: the labeling and training loop on the bundled defaults, in a few minutes.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Run the alignment loop on the bundled defaults: demonstrations → SFT → rankings → reward model → DPO, PPO → arena.",
        discussion: """
            InstructGPT's order on the bundled defaults: creates a fresh workspace, imports the bundled datasets \
            and task-world prompts, registers the bundled base model as checkpoint "base", lets simulated \
            labelers (each task going to --overlap of them) write demonstrations, fine-tunes base into "sft" and \
            prints the oracle's eval of both, samples --k responses per prompt from the SFT model into the \
            ranking queue, lets the labelers rank them (leaving about --leave rankings for you), trains the \
            reward model "rm" from sft and prints its accuracy against the labelers and the oracle, trains "dpo" \
            from sft on the same pairs and prints the oracle's eval of both with its win rate, trains "ppo" from \
            sft against the reward model (printing the oracle's gold reward beside the RM's proxy reward every \
            iteration) and prints the oracle's eval of both, holds an arena \
            of base, sft, dpo and ppo judged by the oracle and by the reward model and prints both leaderboards and \
            the judges' agreement, then the workspace's status and runs, and how to open the labeling UI. `make demo` runs it from the repository root. \
            Example:
              tally demo --workspace workspace --replace
            """
    )

    @Option(help: ArgumentHelp("The workspace folder to create.", valueName: "dir"))
    var workspace: String = "workspace"

    @Flag(help: "Replace the workspace folder if it already holds a Tally workspace.")
    var replace = false

    @Option(help: ArgumentHelp("The folder holding the bundled datasets and base-model/.", valueName: "dir"))
    var datasets: String = "datasets"

    @Option(help: ArgumentHelp("The labeling guidelines the workspace starts with.", valueName: "dir"))
    var instructions: String = "instructions"

    @Option(help: "Task-world train prompts to import and sample for.")
    var prompts: Int = 600

    @Option(help: "Task-world eval prompts to import (held out: validation and the reward model's accuracy).")
    var evalPrompts: Int = 150

    @Option(help: "Demonstrations the simulated labelers write before SFT.")
    var demonstrations: Int = 600

    @Option(help: "SFT epochs.")
    var sftEpochs: Int = 3

    @Option(help: "Reward-model epochs.")
    var rmEpochs: Int = 1

    @Option(help: "DPO steps (8 pairs each).")
    var dpoSteps: Int = 500

    @Option(help: "PPO iterations (64 prompts each).")
    var ppoIterations: Int = 20

    @Option(help: "Arena battles per pair of models, per judge.")
    var arenaPerPair: Int = 60

    @Option(name: .customLong("k"), help: "Responses sampled per prompt (2 to 9).")
    var responsesPerPrompt: Int = 4

    @Option(help: "Simulated labelers working at once.")
    var labelers: Int = 8

    @Option(help: "How many labelers each task goes to (2 or more measures their agreement).")
    var overlap: Int = 2

    @Option(help: "Labels to leave for you in `tally label`.")
    var leave: Int = 24

    @Option(help: "Prompts per family in the oracle's eval of base and SFT.")
    var evalPerFamily: Int = 20

    @Option(help: "The most tokens per sampled response.")
    var maxNewTokens: Int = 64

    @Option(help: "The seed of everything the demo draws.")
    var seed: UInt64 = 1

    func validate() throws {
        guard prompts >= 1 else { throw ValidationError("--prompts must be at least 1") }
        guard (2...9).contains(responsesPerPrompt) else { throw ValidationError("--k must be between 2 and 9") }
        guard (1...64).contains(labelers) else { throw ValidationError("--labelers must be between 1 and 64") }
        guard (1...8).contains(overlap) else { throw ValidationError("--overlap must be between 1 and 8") }
        guard leave >= 0 else { throw ValidationError("--leave must not be negative") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
        guard evalPerFamily >= 1 else { throw ValidationError("--eval-per-family must be at least 1") }
        guard evalPrompts >= 0, demonstrations >= 1 else {
            throw ValidationError("--eval-prompts must be ≥ 0 and --demonstrations at least 1")
        }
        guard sftEpochs >= 1, rmEpochs >= 1, dpoSteps >= 1, ppoIterations >= 1, arenaPerPair >= 1 else {
            throw ValidationError(
                "--sft-epochs, --rm-epochs, --dpo-steps, --ppo-iterations and --arena-per-pair must be ≥ 1")
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // keep our lines in order with the labelers' output in a log
        try reportingErrors {
            let started = Date()
            let datasetsFolder = URL(fileURLWithPath: datasets, isDirectory: true)
            let baseModel = datasetsFolder.appendingPathComponent("base-model", isDirectory: true)
            guard FileManager.default.fileExists(atPath: baseModel.appendingPathComponent("config.json").path) else {
                throw CommandError(
                    "\(baseModel.path): the bundled base model is missing; run the demo from the repository root "
                        + "(or pass --datasets), or rebuild it with `make base-model`")
            }

            step(1, "Creating a fresh workspace in \(workspace)/")
            let location = try freshWorkspace()
            let database = try location.openDatabase()
            defer { database.close() }
            try database.setOverlapTarget(overlap)
            print("each labeling task goes to \(overlap) labelers, so that their agreement can be measured")
            let path = location.root.path

            step(
                2, "Importing the bundled datasets, \(prompts) task-world train prompts and \(evalPrompts) eval prompts"
            )
            try importBundledData(into: database, from: datasetsFolder)

            step(3, "Registering the bundled base model as checkpoint \"base\"")
            let base = try CheckpointImport.importFolder(
                baseModel, name: "base", kind: .base, workspace: location, database: database)
            print("checkpoint \(base.id) \"base\" in \(base.path) (sha256 \(base.sha256.prefix(12))…)")

            step(
                4, "\(labelers) simulated labelers write \(demonstrations) demonstrations (imperfect, as people's are)")
            try simulate(path, kind: .demonstration, items: demonstrations)

            step(5, "Supervised fine-tuning: base → sft on the demonstrations, then the oracle's eval of both")
            try TrainSFTCommand.parse([
                "--workspace", path, "--name", "sft", "--from", "base", "--epochs", String(sftEpochs),
                "--seed", String(seed), "--oracle-per-family", String(evalPerFamily),
                "--max-new-tokens", String(maxNewTokens), "--truncate",
            ]).run()

            step(6, "Sampling \(responsesPerPrompt) responses per prompt from the SFT model into the ranking queue")
            let sampling = SamplingSettings(
                maxNewTokens: maxNewTokens, temperature: SampleCommand.defaultTemperature, seed: seed)
            for split in [Split.train, .eval] {
                try SampleCommand.sample(
                    workspace: location, database: database, checkpoint: "sft", k: responsesPerPrompt, prompts: nil,
                    split: split, settings: sampling, style: .auto)
            }

            let slots = (try database.status().openTasks[TaskKind.ranking.rawValue] ?? 0) * overlap
            let rankings = max(0, slots - leave)
            step(7, "\(labelers) simulated labelers rank the SFT model's responses (\(rankings) of \(slots) rankings)")
            try simulate(path, kind: .ranking, items: rankings)

            step(8, "Reward model: sft + a fresh scalar head, trained on the rankings; its held-out accuracy")
            try TrainRewardModelCommand.parse([
                "--workspace", path, "--name", "rm", "--from", "sft", "--epochs", String(rmEpochs),
                "--seed", String(seed), "--truncate",
            ]).run()

            step(9, "DPO: sft → dpo on the same rankings' pairs, then the oracle's eval of both and its win rate")
            try TrainDPOCommand.parse([
                "--workspace", path, "--name", "dpo", "--from", "sft", "--steps", String(dpoSteps), "--seed",
                String(seed), "--truncate", "--oracle-per-family", String(evalPerFamily), "--max-new-tokens",
                String(maxNewTokens),
            ]).run()

            step(
                10,
                "PPO: sft → ppo against the reward model, gold (oracle) and proxy (RM) reward per iteration, then the "
                    + "oracle's eval of both")
            try TrainPPOCommand.parse([
                "--workspace", path, "--name", "ppo", "--from", "sft", "--reward", "rm:rm", "--iterations",
                String(ppoIterations), "--prompts", String(min(64, prompts)), "--kl-coef", "0.2",
                "--seed", String(seed), "--oracle-per-family", String(evalPerFamily),
                "--max-new-tokens", String(maxNewTokens), "--eval-every", String(ppoIterations),
            ]).run()

            step(
                11, "Arena: base, sft, dpo and ppo battle on eval prompts, judged by the oracle and by the reward model"
            )
            for judge in ["oracle", "rm:rm"] {
                try ArenaBattleCommand.parse([
                    "--workspace", path, "--models", "base,sft,dpo,ppo", "--prompts", "eval", "--per-pair",
                    String(arenaPerPair), "--judge", judge, "--seed", String(seed), "--max-new-tokens",
                    String(maxNewTokens),
                ]).run()
            }
            for judge in ["oracle", "rm"] {
                print("\nleaderboard judged by \(judge == "rm" ? "the reward model" : "the oracle"):")
                try ArenaLeaderboardCommand.parse([
                    "--workspace", path, "--judge", judge, "--seed", String(seed),
                ]).run()
            }
            try ArenaJudgesCommand.parse(["--workspace", path]).run()

            step(12, "Workspace status and training runs")
            try Status.parse(["--workspace", path]).run()
            try RunsList.parse(["--workspace", path]).run()

            print(
                String(
                    format: "\ndemo: done in %.0fs. %d labeling tasks are left for you; label them in the terminal UI:",
                    Date().timeIntervalSince(started), try database.status().openTasks.values.reduce(0, +)))
            print("  tally label --workspace \(Self.shellQuoted(workspace))")
            print("Then try: tally status --workspace \(Self.shellQuoted(workspace)) --agreement")
            print(
                "          tally rm score --workspace \(Self.shellQuoted(workspace)) --checkpoint rm "
                    + "--prompt 'Add 3 and 62.' --response 65")
        }
    }

    /// Runs `tally simulate` on one kind of task.
    private func simulate(_ path: String, kind: TaskKind, items: Int) throws {
        guard items > 0 else { return }
        try SimulateCommand.parse([
            "--workspace", path, "--labelers", String(labelers), "--items", String(items), "--seed", String(seed),
            "--no-fill", "--only", kind.rawValue,
        ]).run()
    }

    /// Makes the workspace, replacing an earlier one only with --replace and only if it is a Tally workspace.
    private func freshWorkspace() throws -> Workspace {
        // Check the guidelines before anything is removed or created.
        _ = try Workspace.guidelineFiles(in: URL(fileURLWithPath: instructions, isDirectory: true))
        let folder = URL(fileURLWithPath: workspace, isDirectory: true).standardizedFileURL
        if FileManager.default.fileExists(atPath: folder.path) {
            guard Workspace.isWorkspace(folder) else {
                throw CommandError(
                    "\(folder.path) exists and is not a Tally workspace; choose another --workspace")
            }
            guard replace else {
                throw CommandError(
                    "\(folder.path) already holds a workspace; pass --replace to start it over, or choose another "
                        + "--workspace")
            }
            do {
                try FileManager.default.removeItem(at: folder)
            } catch {
                throw FileError(path: folder.path, action: .remove, underlying: error)
            }
        }
        let created = try Workspace.create(at: folder)
        created.useSharingForNewFiles()
        let guidelines = try created.installInstructions(from: URL(fileURLWithPath: instructions, isDirectory: true))
        let database = try created.openDatabase()
        defer { database.close() }
        let version = try database.recordInstructions(fromFolder: guidelines)
        print(
            "created \(created.root.path) (guidelines from \(instructions)/, "
                + "version \(version?.hash.prefix(12) ?? "-"))")
        return created
    }

    /// Imports datasets/*.jsonl by name (prompts*, prefs*, responses*) and world train prompts.
    private func importBundledData(into database: TallyDatabase, from folder: URL) throws {
        let kinds: [(prefix: String, kind: ImportKind)] = [
            ("prompts", .prompts), ("prefs", .prefs), ("responses", .responses),
        ]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.sorted() ?? []
        for name in files where name.hasSuffix(".jsonl") {
            guard let kind = kinds.first(where: { name.hasPrefix($0.prefix) })?.kind else { continue }
            let checked = try CheckedImport.check(
                folder.appendingPathComponent(name), displayName: (datasets as NSString).appendingPathComponent(name),
                options: ImportOptions(kind: kind))
            print(TerminalSanitizer.sanitize(try database.write(checked).text))
        }
        let lines =
            World.standard.prompts(split: .train, count: prompts, seed: seed).map {
                WorldOutput.promptLine($0, split: .train)
            }
            + World.standard.prompts(split: .eval, count: evalPrompts, seed: seed &+ 1).map {
                WorldOutput.promptLine($0, split: .eval)
            }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tally-demo-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: file)
        let checked = try CheckedImport.check(
            file, displayName: "task-world prompts", options: ImportOptions(kind: .prompts, source: "world"))
        print(TerminalSanitizer.sanitize(try database.write(checked).text))
    }

    private func step(_ number: Int, _ title: String) {
        print("\n==> [\(number)/12] \(title)")
    }

    static func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
            ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
