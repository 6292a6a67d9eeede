import Foundation
import TallyStore
import Testing

/// `tally arena battle|leaderboard|import|export|judges` through the built binary.
@Suite(.serialized, .enabled(if: TallyBinary.url != nil, "the tally executable is built next to the tests"))
struct ArenaCommandTests {
    /// An empty workspace.
    private func workspace(_ temp: TemporaryFolder, _ name: String = "ws") throws -> String {
        let workspace = temp.url.appendingPathComponent(name).path
        let created = try TallyBinary.run(["init", workspace])
        #expect(created.status == 0, "stderr: \(created.error)")
        return workspace
    }

    /// The output's last line as a JSON object.
    private func lastJSON(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last.map(String.init))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func importLeaderboardExportAndImportAgain() throws {
        let temp = try TemporaryFolder()
        let first = try workspace(temp, "first")
        let log = try temp.file(
            "arena.jsonl",
            [
                #"{"model_a": "gpt-4", "model_b": "claude-v1", "winner": "model_a", "judge": "u1", "anony": true, "tstamp": 1.5}"#,
                #"{"model_a": "claude-v1", "model_b": "vicuna", "winner": "model_a", "language": "English"}"#,
                "",
                #"{"model_a": "vicuna", "model_b": "gpt-4", "winner": "tie (bothbad)", "judge": null}"#,
                #"{"model_a": "gpt-4", "model_b": "vicuna", "winner": "tie"}"#,
            ])
        let imported = try TallyBinary.run(["arena", "import", log.path, "--workspace", first])
        #expect(imported.status == 0, "stderr: \(imported.error)")
        #expect(imported.output.contains("4 battles between 3 models"))

        let board = try TallyBinary.run([
            "arena", "leaderboard", "--rounds", "50", "--seed", "3", "--json", "--workspace", first,
        ])
        #expect(board.status == 0, "stderr: \(board.error)")
        let json = try lastJSON(board.output)
        #expect(Set(json.keys) == ["models", "win_rates"])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.count == 3)
        for model in models {
            #expect(Set(model.keys) == ["name", "bt", "ci_low", "ci_high", "elo", "rank", "battles"])
        }
        #expect(models.first?["name"] as? String == "gpt-4")
        let winRates = try #require(json["win_rates"] as? [String: [String: Double]])
        #expect(winRates["gpt-4"]?["claude-v1"] == 1)

        let table = try TallyBinary.run(["arena", "leaderboard", "--rounds", "50", "--workspace", first])
        #expect(table.status == 0, "stderr: \(table.error)")
        #expect(table.output.contains("gpt-4") && table.output.contains("vicuna"))

        let exported = temp.url.appendingPathComponent("out.jsonl")
        let export = try TallyBinary.run(["arena", "export", exported.path, "--workspace", first])
        #expect(export.status == 0, "stderr: \(export.error)")
        let lines = try String(contentsOf: exported, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(
            lines.first
                == #"{"model_a": "gpt-4", "model_b": "claude-v1", "winner": "model_a", "judge": "u1", "anony": true, "tstamp": 1.5}"#
        )
        #expect(lines[1] == #"{"model_a": "claude-v1", "model_b": "vicuna", "winner": "model_a"}"#)
        #expect(lines[2].contains(#""winner": "tie (bothbad)""#))

        let second = try workspace(temp, "second")
        let again = try TallyBinary.run(["arena", "import", exported.path, "--workspace", second])
        #expect(again.status == 0, "stderr: \(again.error)")
        let reExported = temp.url.appendingPathComponent("again.jsonl")
        #expect(try TallyBinary.run(["arena", "export", reExported.path, "--workspace", second]).status == 0)
        #expect(try String(contentsOf: reExported, encoding: .utf8) == String(contentsOf: exported, encoding: .utf8))
    }

    @Test func aBadLineImportsNothing() throws {
        let temp = try TemporaryFolder()
        let workspace = try workspace(temp)
        let log = try temp.file(
            "bad.jsonl",
            [
                #"{"model_a": "a", "model_b": "b", "winner": "model_a"}"#,
                #"{"model_a": "a", "model_b": "b", "winner": "model_c"}"#,
            ])
        let imported = try TallyBinary.run(["arena", "import", log.path, "--workspace", workspace])
        #expect(imported.status != 0)
        #expect(imported.error.contains("\(log.path):2:"), "stderr: \(imported.error)")
        let database = try TallyDatabase.open(
            at: URL(fileURLWithPath: workspace).appendingPathComponent("tally.sqlite"))
        defer { database.close() }
        #expect(try database.arenaBattles().isEmpty)
        let board = try TallyBinary.run(["arena", "leaderboard", "--workspace", workspace])
        #expect(board.status != 0)
        #expect(board.error.contains("no battles"))
    }

    @Test func twoTinyCheckpointsBattleJudgedByTheOracle() throws {
        let temp = try TemporaryFolder()
        let workspace = try workspace(temp)
        for (name, seed) in [("base", UInt64(3)), ("other", UInt64(4))] {
            let folder = temp.url.appendingPathComponent("tiny-\(name)")
            try TinyCheckpoint.write(to: folder, seed: seed)
            let imported = try TallyBinary.run([
                "checkpoint", "import", folder.path, "--name", name, "--kind", "base", "--workspace", workspace,
            ])
            #expect(imported.status == 0, "stderr: \(imported.error)")
        }
        let prompts = temp.url.appendingPathComponent("eval.jsonl")
        let made = try TallyBinary.run([
            "world", "prompts", "--split", "eval", "--count", "6", "--out", prompts.path,
        ])
        #expect(made.status == 0, "stderr: \(made.error)")
        let added = try TallyBinary.run([
            "import", "prompts", prompts.path, "--split", "eval", "--workspace", workspace,
        ])
        #expect(added.status == 0, "stderr: \(added.error)")

        func battleArguments(judge: String) -> [String] {
            [
                "arena", "battle", "--models", "base,other", "--prompts", "eval", "--per-pair", "4", "--judge", judge,
                "--max-new-tokens", "8", "--seed", "5", "--workspace", workspace,
            ]
        }
        let arguments = battleArguments(judge: "oracle")
        let battle = try TallyBinary.run(arguments)
        #expect(battle.status == 0, "stderr: \(battle.error)")
        #expect(battle.output.contains("stored 4 battles"), "stdout: \(battle.output)")
        #expect(battle.output.contains("sampled 8 responses, reused 0"), "stdout: \(battle.output)")

        let url = URL(fileURLWithPath: workspace).appendingPathComponent("tally.sqlite")
        do {
            let database = try TallyDatabase.open(at: url)
            defer { database.close() }
            let battles = try database.arenaBattles()
            #expect(battles.count == 4)
            for stored in battles {
                #expect(stored.modelA == "base" && stored.modelB == "other")
                #expect(stored.judgeKind == .oracle && stored.judge == "oracle")
                #expect(stored.leftSide == .a || stored.leftSide == .b)
                let response = try database.response(id: try #require(stored.responseA))
                #expect(response.seed != nil && response.sampling?.maxNewTokens == 8)
                #expect(response.checkpointID == stored.checkpointA)
            }
            #expect(Set(battles.compactMap(\.promptID)).count == 4)
        }

        // The same battle again reuses every response: a second verdict on the same items.
        let again = try TallyBinary.run(arguments)
        #expect(again.status == 0, "stderr: \(again.error)")
        #expect(again.output.contains("sampled 0 responses, reused 8"), "stdout: \(again.output)")

        let judges = try TallyBinary.run(["arena", "judges", "--json", "--workspace", workspace])
        #expect(judges.status == 0, "stderr: \(judges.error)")
        #expect(judges.output.contains("\"judge_a\"") == false)  // one judge only: no pair

        let board = try TallyBinary.run([
            "arena", "leaderboard", "--judge", "oracle", "--rounds", "20", "--json", "--workspace", workspace,
        ])
        #expect(board.status == 0, "stderr: \(board.error)")
        let models = try #require(try lastJSON(board.output)["models"] as? [[String: Any]])
        #expect(Set(models.compactMap { $0["name"] as? String }) == ["base", "other"])
        #expect(models.allSatisfy { $0["battles"] as? Int == 8 })

        // A reward model judges the same items: its verdicts meet the oracle's in `tally arena judges`.
        let simulated = try TallyBinary.run(["simulate", "--labelers", "2", "--items", "40", "--workspace", workspace])
        #expect(simulated.status == 0, "stderr: \(simulated.error)")
        let trained = try TallyBinary.run([
            "train", "rm", "--from", "base", "--steps", "2", "--batch", "4", "--truncate", "--workspace", workspace,
        ])
        #expect(trained.status == 0, "stderr: \(trained.error)")
        let notRM = try TallyBinary.run(
            battleArguments(judge: "rm:other"))
        #expect(notRM.status != 0)
        #expect(notRM.error.contains("not a reward model"), "stderr: \(notRM.error)")
        let byRM = try TallyBinary.run(
            battleArguments(judge: "rm:rm") + ["--tie-margin", "0.001"])
        #expect(byRM.status == 0, "stderr: \(byRM.error)")
        #expect(byRM.output.contains("sampled 0 responses, reused 8"), "stdout: \(byRM.output)")
        let agreement = try TallyBinary.run(["arena", "judges", "--json", "--workspace", workspace])
        #expect(agreement.status == 0, "stderr: \(agreement.error)")
        let pairs = try #require(
            try JSONSerialization.jsonObject(with: Data(agreement.output.utf8)) as? [[String: Any]])
        #expect(pairs.count == 1)
        #expect(pairs.first?["judge_a"] as? String == "oracle" && pairs.first?["judge_b"] as? String == "rm:rm")
        #expect(pairs.first?["items"] as? Int == 4)
        #expect(pairs.first?["comparisons"] as? Int == 8)  // the oracle judged each item twice
        let rmBoard = try TallyBinary.run([
            "arena", "leaderboard", "--judge", "rm:rm", "--rounds", "20", "--json", "--workspace", workspace,
        ])
        #expect(rmBoard.status == 0, "stderr: \(rmBoard.error)")

        // Prompts from a file: plain text or {"prompt": …}, one a line.
        let file = try temp.file(
            "mine.txt", ["What is 12 plus 30?", "", #"{"prompt": "What is 7 times 6?"}"#])
        var fromFile = battleArguments(judge: "oracle")
        fromFile[fromFile.firstIndex(of: "eval")!] = file.path
        fromFile[fromFile.firstIndex(of: "--per-pair")! + 1] = "2"
        let mine = try TallyBinary.run(fromFile)
        #expect(mine.status == 0, "stderr: \(mine.error)")
        #expect(mine.output.contains("on 2 prompts") && mine.output.contains("stored 2 battles"), "\(mine.output)")
        let bad = try temp.file("bad.txt", ["What is 1 plus 1?", #"{"text": "no prompt field"}"#])
        fromFile[fromFile.firstIndex(of: file.path)!] = bad.path
        let refused = try TallyBinary.run(fromFile)
        #expect(refused.status != 0)
        #expect(refused.error.contains("\(bad.path):2:"), "stderr: \(refused.error)")

        // People: the same items wait for votes in `tally label`, and nothing rates them until they are judged.
        let human = try TallyBinary.run(battleArguments(judge: "human"))
        #expect(human.status == 0, "stderr: \(human.error)")
        #expect(human.output.contains("queued 4 battles for people to judge"), "stdout: \(human.output)")
        #expect(human.output.contains("sampled 0 responses, reused 8"), "stdout: \(human.output)")
        #expect(human.output.contains("tally label"), "stdout: \(human.output)")
        let twice = try TallyBinary.run(battleArguments(judge: "human"))
        #expect(
            twice.output.contains("queued 0 battles") && twice.output.contains("4 already waiting"), "\(twice.output)")
        let unjudged = try TallyBinary.run(["arena", "leaderboard", "--judge", "human", "--workspace", workspace])
        #expect(unjudged.status != 0 && unjudged.error.contains("no battles judged by human"), "\(unjudged.error)")
        #expect(unjudged.error.contains("4 wait for people's votes"), "\(unjudged.error)")
        let exported = temp.url.appendingPathComponent("human.jsonl")
        let export = try TallyBinary.run([
            "arena", "export", exported.path, "--judge", "human", "--workspace", workspace,
        ])
        #expect(export.output.contains("0 battles"), "stdout: \(export.output)")
        #expect(try String(contentsOf: exported, encoding: .utf8).isEmpty)
        let judgedBefore = try TallyBinary.run(["arena", "judges", "--json", "--workspace", workspace])
        #expect(judgedBefore.output == agreement.output, "waiting battles change no agreement")

        // Votes as the Arena screen casts them; then the people's leaderboard and their agreement with the others.
        do {
            let database = try TallyDatabase.open(at: url)
            defer { database.close() }
            let ada = try database.labeler(named: "ada")
            var votes = 0
            while let ballot = try database.nextArenaBallot(for: ada) {
                try database.voteArena(battleID: ballot.battleID, labeler: ada, vote: .left)
                votes += 1
            }
            #expect(votes == 4)
        }
        let humanBoard = try TallyBinary.run([
            "arena", "leaderboard", "--judge", "human", "--rounds", "20", "--json", "--workspace", workspace,
        ])
        #expect(humanBoard.status == 0, "stderr: \(humanBoard.error)")
        let humanModels = try #require(try lastJSON(humanBoard.output)["models"] as? [[String: Any]])
        #expect(humanModels.allSatisfy { $0["battles"] as? Int == 4 })
        let withPeople = try TallyBinary.run(["arena", "judges", "--json", "--workspace", workspace])
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(withPeople.output.utf8)) as? [[String: Any]])
        let humanPairs = rows.filter { $0["judge_a"] as? String == "human:ada" }
        #expect(Set(humanPairs.compactMap { $0["judge_b"] as? String }) == ["oracle", "rm:rm"], "\(rows)")
        #expect(humanPairs.allSatisfy { $0["items"] as? Int == 4 })
    }
}
