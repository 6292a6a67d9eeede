import Foundation
import TallyStore
import Testing

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct SampleEvalCommandTests {
    static let prompts = [
        #"{"prompt": "What is 12 plus 30?"}"#,
        #"{"prompt": "How many letters are in the word \"kitten\"?"}"#,
        #"{"prompt": "Reverse the word \"lantern\"."}"#,
    ]

    /// A workspace with three train prompts and the tiny checkpoint registered as "tiny".
    static func workspaceWithTinyCheckpoint(in temp: TemporaryFolder) throws -> (path: String, checkpointID: Int64) {
        let workspace = temp.url.appendingPathComponent("ws")
        #expect(try TallyBinary.run(["init", workspace.path]).status == 0)
        let file = try temp.file("prompts.jsonl", prompts)
        #expect(try TallyBinary.run(["import", "prompts", file.path, "--workspace", workspace.path]).status == 0)
        let folder = workspace.appendingPathComponent("checkpoints/tiny")
        let manifest = try TinyCheckpoint.write(to: folder)
        let database = try Workspace(root: workspace).openDatabase()
        defer { database.close() }
        let id = try database.registerCheckpoint(
            name: "tiny", kind: .base, path: "checkpoints/tiny", config: "{}",
            sha256: manifest.files["model.safetensors"]?.sha256 ?? "")
        return (workspace.path, id)
    }

    @Test func sampleStoresKResponsesPerPromptWithTheirParametersAndSeedAndQueuesThemForRanking() throws {
        let temp = try TemporaryFolder()
        let (workspace, checkpointID) = try Self.workspaceWithTinyCheckpoint(in: temp)
        let result = try TallyBinary.run([
            "sample", "--checkpoint", "tiny", "--k", "4", "--temperature", "0.9", "--top-p", "0.95",
            "--max-new-tokens", "8", "--seed", "7", "--workspace", workspace,
        ])
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("queued 3 ranking tasks (12 responses)"), "stdout: \(result.output)")
        #expect(result.error.contains("sample: 3/3 prompts"), "progress: \(result.error)")

        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        defer { database.close() }
        #expect(try database.status().openTasks["ranking"] == 3)
        #expect(try database.status().responses == 12)
        let responses = try (1...12).map { try database.response(id: Int64($0)) }
        let byPrompt = Dictionary(grouping: responses, by: \.promptID)
        #expect(byPrompt.count == 3)
        #expect(byPrompt.values.allSatisfy { $0.count == 4 })
        for response in responses {
            #expect(response.origin == .model)
            #expect(response.checkpointID == checkpointID)
            #expect(response.sampling?.maxNewTokens == 8)
            #expect(abs((response.sampling?.temperature ?? 0) - 0.9) < 1e-6)
            #expect(abs((response.sampling?.topP ?? 0) - 0.95) < 1e-6)
            #expect(response.seed != nil)
        }
        // One seed per prompt, shared by its K responses, different between prompts.
        let seeds = byPrompt.mapValues { Set($0.map(\.seed)) }
        #expect(seeds.values.allSatisfy { $0.count == 1 })
        #expect(Set(seeds.values.compactMap { $0.first }).count == 3)

        // Every prompt now has responses: a second run has nothing to do and adds nothing.
        #expect(try database.promptsAwaitingResponses(split: .train).isEmpty)
        let again = try TallyBinary.run(["sample", "--checkpoint", "tiny", "--workspace", workspace])
        #expect(again.status == 0, "stderr: \(again.error)")
        #expect(again.output.contains("no train prompt needs responses"))
        #expect(try database.status().responses == 12)
    }

    @Test func samplingIsDeterministicForASeed() throws {
        func sampledTexts(seed: String) throws -> [String] {
            let temp = try TemporaryFolder()
            let (workspace, _) = try Self.workspaceWithTinyCheckpoint(in: temp)
            let result = try TallyBinary.run([
                "sample", "--checkpoint", "tiny", "--k", "3", "--max-new-tokens", "12", "--seed", seed,
                "--workspace", workspace,
            ])
            #expect(result.status == 0, "stderr: \(result.error)")
            let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
            defer { database.close() }
            return try (1...9).map { try database.response(id: Int64($0)).text }
        }
        let first = try sampledTexts(seed: "11")
        #expect(try sampledTexts(seed: "11") == first)
        #expect(try sampledTexts(seed: "12") != first)
    }

    @Test func evalPrintsTheOraclesFiguresPerFamily() throws {
        let temp = try TemporaryFolder()
        let folder = temp.url.appendingPathComponent("tiny")
        try TinyCheckpoint.write(to: folder)
        let table = try TallyBinary.run(
            ["eval", "--checkpoint", folder.path, "--per-family", "2", "--max-new-tokens", "6"], in: temp.url)
        #expect(table.status == 0, "stderr: \(table.error)")
        for family in [
            "arithmetic", "letter-count", "word-count", "string-edit", "facts", "unit-conversion", "rewrite-politely",
            "short-list", "harmful", "benign-lookalike",
        ] {
            #expect(table.output.contains("\n" + family + " "), "no row for \(family): \(table.output)")
        }
        #expect(table.output.contains("refuses harmful requests"))
        #expect(table.output.contains("refuses benign look-alikes"))
        #expect(table.output.contains("stops cleanly"))
        #expect(table.output.contains("mean length"))

        let json = try TallyBinary.run(
            ["eval", "--checkpoint", folder.path, "--per-family", "2", "--max-new-tokens", "6", "--json"], in: temp.url)
        #expect(json.status == 0, "stderr: \(json.error)")
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let families = object?["families"] as? [String: [String: Any]]
        #expect(families?.count == 10)
        #expect(families?.values.allSatisfy { $0["prompts"] as? Int == 2 } == true)
        let overall = object?["overall"] as? [String: Any]
        #expect(overall?["prompts"] as? Int == 20)
        let meanTokens = overall?["mean_tokens"] as? Double ?? 0
        #expect(meanTokens > 0 && meanTokens <= 6)
        #expect(object?["harmful_refusal_rate"] is Double)
        #expect(object?["false_refusal_rate"] is Double)
        // The same seeds give the same figures.
        let repeated = try TallyBinary.run(
            ["eval", "--checkpoint", folder.path, "--per-family", "2", "--max-new-tokens", "6", "--json"], in: temp.url)
        let repeatedObject = try JSONSerialization.jsonObject(with: Data(repeated.output.utf8)) as? [String: Any]
        #expect((repeatedObject?["overall"] as? NSDictionary) == (overall as NSDictionary?))
    }

    @Test func anUnknownCheckpointIsAClearError() throws {
        let temp = try TemporaryFolder()
        let (workspace, _) = try Self.workspaceWithTinyCheckpoint(in: temp)
        let result = try TallyBinary.run(["sample", "--checkpoint", "nope", "--workspace", workspace])
        #expect(result.status != 0)
        #expect(result.error.contains("nope: is neither a checkpoint of the workspace"), "stderr: \(result.error)")
        #expect(result.error.contains("tiny"), "the error lists the workspace's checkpoints: \(result.error)")
    }

    @Test func aReplacedWeightsFileIsRefused() throws {
        let temp = try TemporaryFolder()
        let (workspace, _) = try Self.workspaceWithTinyCheckpoint(in: temp)
        // Another model's files in the registered folder: the recorded SHA-256 no longer matches.
        try TinyCheckpoint.write(
            to: URL(fileURLWithPath: workspace).appendingPathComponent("checkpoints/tiny"), seed: 9)
        let result = try TallyBinary.run(["sample", "--checkpoint", "tiny", "--workspace", workspace])
        #expect(result.status != 0)
        #expect(result.error.contains("SHA-256 the workspace recorded"), "stderr: \(result.error)")
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        #expect(try database.status().responses == 0)
    }

    @Test func demoBuildsALabeledWorkspaceFromTheBundledFiles() throws {
        let temp = try TemporaryFolder()
        let datasets = temp.url.appendingPathComponent("datasets")
        try TinyCheckpoint.write(to: datasets.appendingPathComponent("base-model"))
        _ = try temp.file("datasets/prompts-starter.jsonl", ["What is 17 + 26?", "Reverse the word \"lantern\"."])
        let guidelines = "# Guidelines\n\nAnswer correctly and stop.\n"
        try FileManager.default.createDirectory(
            at: temp.url.appendingPathComponent("guides"), withIntermediateDirectories: true)
        try Data(guidelines.utf8).write(to: temp.url.appendingPathComponent("guides/guidelines.md"))
        let result = try TallyBinary.run(
            [
                "demo", "--workspace", "demo-ws", "--datasets", datasets.path, "--instructions", "guides",
                "--prompts", "6", "--eval-prompts", "4", "--demonstrations", "8", "--labelers", "2", "--leave", "3",
                "--eval-per-family", "1", "--max-new-tokens", "6", "--dpo-steps", "3", "--arena-per-pair", "2",
                "--ppo-iterations", "1",
            ], in: temp.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("tally label --workspace demo-ws"), "stdout: \(result.output)")
        let database = try Workspace(root: temp.url.appendingPathComponent("demo-ws")).openDatabase()
        defer { database.close() }
        let status = try database.status()
        // InstructGPT's order: base, then SFT on the demonstrations, then a reward model on rankings of SFT samples;
        // then DPO from SFT on the same pairs, and PPO from SFT against the reward model (its value model beside it).
        #expect(
            try database.checkpoints().map { "\($0.name):\($0.kind.rawValue)" } == [
                "base:base", "sft:sft", "rm:rm", "dpo:dpo", "ppo-value:value", "ppo:ppo",
            ])
        #expect(try database.trainingRuns().map(\.status) == [.finished, .finished, .finished, .finished])
        #expect(result.output.contains("the oracle prefers ppo to sft"), "stdout: \(result.output)")
        #expect(result.error.contains("iteration 1  score"), "stderr: \(result.error)")
        #expect(result.output.contains("the oracle prefers dpo to sft"), "stdout: \(result.output)")
        #expect(result.output.contains("leaderboard judged by the reward model"), "stdout: \(result.output)")
        #expect(try database.arenaBattles(judgeKind: nil).count == 6 * 2 * 2, "6 pairs × 2 battles × 2 judges")
        #expect(result.output.contains("oracle eval on"), "stdout: \(result.output)")
        #expect(result.output.contains("reward model rm on the held-out rankings"), "stdout: \(result.output)")
        let sftSamples = try sqlite(
            temp.url.appendingPathComponent("demo-ws/tally.sqlite"),
            "SELECT COUNT(*) FROM response r JOIN checkpoint c ON c.id = r.checkpointId WHERE c.name = 'sft'")
        #expect(Int(sftSamples) ?? 0 >= 6 * 4, "the ranking queue holds the SFT model's samples")
        #expect(status.rankings + status.demonstrations > 0)
        #expect(status.openTasks.values.reduce(0, +) >= 3)

        // The workspace starts from the given guidelines, and every simulated label records that version.
        let installed = try String(
            contentsOf: temp.url.appendingPathComponent("demo-ws/instructions/guidelines.md"), encoding: .utf8)
        #expect(installed == guidelines)
        #expect(try database.currentInstructionVersion()?.text.contains("Answer correctly and stop.") == true)
        let unversioned = try sqlite(
            temp.url.appendingPathComponent("demo-ws/tally.sqlite"),
            "SELECT (SELECT COUNT(*) FROM ranking WHERE instructionVersionId IS NULL)"
                + " + (SELECT COUNT(*) FROM demonstration WHERE instructionVersionId IS NULL)")
        #expect(unversioned == "0")

        // A second run refuses to touch the workspace unless told to replace it.
        let again = try TallyBinary.run(
            ["demo", "--workspace", "demo-ws", "--datasets", datasets.path, "--instructions", "guides"], in: temp.url)
        #expect(again.status != 0)
        #expect(again.error.contains("--replace"), "stderr: \(again.error)")
    }
}

@Suite(.enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct CheckpointCommandTests {
    @Test func exportWritesWeightsOnlyAndImportRegistersTheFolder() throws {
        let temp = try TemporaryFolder()
        let (workspace, _) = try SampleEvalCommandTests.workspaceWithTinyCheckpoint(in: temp)
        let exported = temp.url.appendingPathComponent("exported")
        let export = try TallyBinary.run(
            ["checkpoint", "export", "--checkpoint", "tiny", "--out", exported.path, "--workspace", workspace])
        #expect(export.status == 0, "stderr: \(export.error)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: exported.path))
        #expect(files.isSuperset(of: ["model.safetensors", "config.json", "tokenizer.json", "tally-manifest.json"]))
        #expect(!files.contains("optimizer.safetensors") && !files.contains("trainer_state.json"))

        let imported = try TallyBinary.run(
            ["checkpoint", "import", exported.path, "--name", "copy", "--kind", "sft", "--workspace", workspace])
        #expect(imported.status == 0, "stderr: \(imported.error)")
        let database = try Workspace(root: URL(fileURLWithPath: workspace)).openDatabase()
        defer { database.close() }
        let copy = try #require(try database.checkpoint(named: "copy"))
        #expect(copy.kind == .sft)
        #expect(copy.path == "checkpoints/copy")
        #expect(copy.sha256 == (try database.checkpoint(named: "tiny"))?.sha256)

        // The name is taken now; a second import says so and changes nothing.
        let again = try TallyBinary.run(
            ["checkpoint", "import", exported.path, "--name", "copy", "--workspace", workspace])
        #expect(again.status != 0)
        #expect(again.error.contains("already has a checkpoint named \"copy\""), "stderr: \(again.error)")
        #expect(try database.checkpoints().count == 2)
    }
}

/// The first line the sqlite3 command prints for `query` on `database`.
private func sqlite(_ database: URL, _ query: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", database.path, query]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
