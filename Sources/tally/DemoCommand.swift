import ArgumentParser
import Foundation
import TallyEngine
import TallyStore
import TallyTrain
import TallyWorld

/// `tally demo`: the whole labeling loop on the bundled defaults, in under a minute.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a demo workspace: bundled data, the base model's samples, simulated labels, its eval.",
        discussion: """
            Creates a fresh workspace, imports the bundled datasets and task-world prompts, registers the \
            bundled base model as checkpoint "base", samples --k responses per world prompt from it into the \
            ranking queue, lets simulated labelers (each task going to --overlap of them) rank them and write \
            demonstrations, leaving about --leave labels for you, prints the workspace's status and the base \
            model's eval, and tells you how to open the labeling UI. `make demo` runs it from the repository \
            root. Example:
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
    var prompts: Int = 200

    @Option(name: .customLong("k"), help: "Responses sampled per prompt (2 to 9).")
    var responsesPerPrompt: Int = 4

    @Option(help: "Simulated labelers working at once.")
    var labelers: Int = 8

    @Option(help: "How many labelers each task goes to (2 or more measures their agreement).")
    var overlap: Int = 2

    @Option(help: "Labels to leave for you in `tally label`.")
    var leave: Int = 24

    @Option(help: "Prompts per family in the base model's eval.")
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

            step(2, "Importing the bundled datasets and \(prompts) task-world prompts")
            try importBundledData(into: database, from: datasetsFolder)

            step(3, "Registering the bundled base model as checkpoint \"base\"")
            let base = try CheckpointImport.importFolder(
                baseModel, name: "base", kind: .base, workspace: location, database: database)
            print("checkpoint \(base.id) \"base\" in \(base.path) (sha256 \(base.sha256.prefix(12))…)")

            step(4, "Sampling \(responsesPerPrompt) responses per prompt from the base model into the ranking queue")
            let sampling = SamplingSettings(
                maxNewTokens: maxNewTokens, temperature: SampleCommand.defaultTemperature, seed: seed)
            try SampleCommand.sample(
                workspace: location, database: database, checkpoint: base.name, k: responsesPerPrompt, prompts: nil,
                split: .train, settings: sampling, style: .auto)

            let slots = try database.status().openTasks.values.reduce(0, +) * overlap
            let items = max(0, slots - leave)
            step(
                5,
                "\(labelers) simulated labelers rank responses and write demonstrations (\(items) of \(slots) labels)")
            if items > 0 {
                let simulate = try SimulateCommand.parse([
                    "--workspace", location.root.path, "--labelers", String(labelers), "--items", String(items),
                    "--seed", String(seed), "--no-fill",
                ])
                try simulate.run()
            }

            step(6, "Workspace status")
            let status = try Status.parse(["--workspace", location.root.path])
            try status.run()

            step(7, "The base model's eval (\(evalPerFamily) held-out prompts per family)")
            let resolved = try CheckpointResolver.resolve(base.name, workspace: location, database: database)
            let evalSettings = SamplingSettings(
                maxNewTokens: maxNewTokens, temperature: EvalCommand.defaultTemperature, seed: seed)
            let evaluation = try EvalCommand.evaluate(
                resolved, split: .eval, perFamily: evalPerFamily, promptSeed: seed, settings: evalSettings,
                style: .auto)
            print(EvalCommand.table(evaluation))

            print(
                String(
                    format: "\ndemo: done in %.0fs. %d labeling tasks are left for you; label them in the terminal UI:",
                    Date().timeIntervalSince(started), try database.status().openTasks.values.reduce(0, +)))
            print("  tally label --workspace \(Self.shellQuoted(workspace))")
            print("Then try: tally status --workspace \(Self.shellQuoted(workspace)) --agreement")
        }
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
                throw CommandError("\(folder.path): cannot be removed (\(error.localizedDescription))")
            }
        }
        let created = try Workspace.create(at: folder)
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
            print(TerminalText.sanitized(try database.write(checked).text))
        }
        let worldPrompts = World.standard.prompts(split: .train, count: prompts, seed: seed)
        let lines = worldPrompts.map { WorldOutput.promptLine($0, split: .train) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tally-demo-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        } catch {
            throw CommandError("\(file.path): cannot be written (\(error.localizedDescription))")
        }
        let checked = try CheckedImport.check(
            file, displayName: "task-world prompts", options: ImportOptions(kind: .prompts, source: "world"))
        print(TerminalText.sanitized(try database.write(checked).text))
    }

    private func step(_ number: Int, _ title: String) {
        print("\n==> [\(number)/7] \(title)")
    }

    static func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
            ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
