import Foundation
import TallyStore
import Testing

@testable import TallyArena

/// The `arenaBattle` table: battles between named models, imported logs, and the v7 migration.
struct ArenaStoreTests {
    /// A fresh database in a temporary folder, removed when the test ends.
    private final class TemporaryDatabase {
        let folder: URL
        let url: URL

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-arena-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            url = folder.appendingPathComponent("tally.sqlite")
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    @Test func battlesBetweenNamedModelsRoundTrip() throws {
        let temp = try TemporaryDatabase()
        let database = try TallyDatabase.open(at: temp.url)
        defer { database.close() }
        let prompt = try database.addPrompt(.text("What is 2 plus 3?"), split: .eval)
        let base = try database.registerCheckpoint(
            name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "ab")
        let sft = try database.registerCheckpoint(
            name: "sft", kind: .sft, path: "checkpoints/sft", config: "{}", sha256: "cd")
        let sampling = SamplingParameters(temperature: 0.7, topP: 1, maxNewTokens: 64)
        let a = try database.insertResponses(
            promptID: prompt, texts: ["5"], checkpointID: base, sampling: sampling, seed: 9, queueAs: nil)[0]
        let b = try database.insertResponses(
            promptID: prompt, texts: ["6"], checkpointID: sft, sampling: sampling, seed: 9, queueAs: nil)[0]
        let fought = ArenaBattleRecord(
            modelA: "base", modelB: "sft", outcome: .a, judgeKind: .oracle, judge: "oracle", anonymous: true,
            checkpointA: base, checkpointB: sft, promptID: prompt, responseA: a, responseB: b, leftSide: .b,
            item: ArenaBattleRecord.item(promptID: prompt, responseA: b, responseB: a), sampling: sampling, seed: 1,
            source: "arena battle", votedAt: 1_717_171_717.5)
        let imported = StoredBattles.imported(
            Battle("gpt-4", "claude-v1", .bothBad, judge: "arena_user_7", anonymous: false, timestamp: 12),
            source: "log")
        let ids = try database.recordArenaBattles([fought, imported])
        var expected = [fought, imported]
        expected[0].id = ids[0]
        expected[1].id = ids[1]
        #expect(try database.arenaBattles() == expected)
        #expect(try database.arenaBattles(judgeKind: .imported) == [expected[1]])
        #expect(fought.item == "prompt:\(prompt):\(min(a, b))-\(max(a, b))")

        #expect(try database.modelResponse(promptID: prompt, checkpointID: base, sampling: sampling, seed: 9)?.id == a)
        #expect(try database.modelResponse(promptID: prompt, checkpointID: base, sampling: sampling, seed: 8) == nil)
        var hotter = sampling
        hotter.temperature = 1
        #expect(try database.modelResponse(promptID: prompt, checkpointID: base, sampling: hotter, seed: 9) == nil)

        let battles = try database.arenaBattles().map(StoredBattles.battle)
        #expect(
            battles == [
                Battle("base", "sft", .modelA, judge: "oracle", anonymous: true, timestamp: 1_717_171_717.5),
                Battle("gpt-4", "claude-v1", .bothBad, judge: "arena_user_7", anonymous: false, timestamp: 12),
            ])
    }

    @Test func aBadBattleStoresNothing() throws {
        let temp = try TemporaryDatabase()
        let database = try TallyDatabase.open(at: temp.url)
        defer { database.close() }
        let good = ArenaBattleRecord(modelA: "a", modelB: "b", outcome: .tie, judgeKind: .imported, source: "log")
        let unknownCheckpoint = ArenaBattleRecord(
            modelA: "a", modelB: "c", outcome: .b, judgeKind: .oracle, checkpointA: 41, source: "log")
        #expect(throws: (any Error).self) { try database.recordArenaBattles([good, unknownCheckpoint]) }
        let same = ArenaBattleRecord(modelA: "a", modelB: "a", outcome: .a, judgeKind: .imported, source: "log")
        #expect(throws: (any Error).self) { try database.recordArenaBattles([good, same]) }
        #expect(try database.arenaBattles().isEmpty)
    }

    @Test func migrationCopiesTheOldBattles() throws {
        let temp = try TemporaryDatabase()
        do {
            let old = try TallyDatabase.open(at: temp.url, migratingUpTo: "v6-training-run-parents")
            let prompt = try old.addPrompt(.text("What is 2 plus 3?"), split: .eval)
            let base = try old.registerCheckpoint(
                name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "ab")
            let sft = try old.registerCheckpoint(
                name: "sft", kind: .sft, path: "checkpoints/sft", config: "{}", sha256: "cd")
            let responses = try old.insertResponses(
                promptID: prompt, texts: ["5", "6"], checkpointID: nil, queueAs: nil)
            try old.recordBattle(
                BattleRecord(
                    promptID: prompt, checkpointA: base, checkpointB: sft, responseA: responses[1],
                    responseB: responses[0], leftSide: .b, judgeKind: .human, judgeID: "alice", outcome: .b))
            old.close()
        }
        let database = try TallyDatabase.open(at: temp.url)
        defer { database.close() }
        #expect(try database.appliedMigrations().contains("v7-arena-battles"))
        let battles = try database.arenaBattles()
        try #require(battles.count == 1)
        let battle = battles[0]
        #expect(battle.modelA == "base" && battle.modelB == "sft")
        #expect(battle.outcome == .b && battle.judgeKind == .human && battle.judge == "alice")
        #expect(battle.leftSide == .b && battle.responseA != nil && battle.checkpointA != nil)
        #expect(battle.item == ArenaBattleRecord.item(promptID: 1, responseA: 1, responseB: 2))
        #expect(try database.battles().count == 1)
    }

    @Test func battlesWaitingForPeopleAreRatedOnlyOnceJudged() throws {
        let temp = try TemporaryDatabase()
        let database = try TallyDatabase.open(at: temp.url)
        defer { database.close() }
        let prompt = try database.addPrompt(.text("What is 2 plus 3?"), split: .eval)
        let base = try database.registerCheckpoint(
            name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "ab")
        let sft = try database.registerCheckpoint(
            name: "sft", kind: .sft, path: "checkpoints/sft", config: "{}", sha256: "cd")
        let a = try database.insertResponses(promptID: prompt, texts: ["6"], checkpointID: base, queueAs: nil)[0]
        let b = try database.insertResponses(promptID: prompt, texts: ["5"], checkpointID: sft, queueAs: nil)[0]
        let setup = ArenaBattleSetup(
            modelA: "base", modelB: "sft", checkpointA: base, checkpointB: sft, promptID: prompt, responseA: a,
            responseB: b, leftSide: .a, source: "arena battle")
        try database.recordArenaBattles([setup.judged(outcome: .b, judgeKind: .oracle, judge: "oracle", votedAt: 1)])
        let queued = try database.queueArenaBattles([setup]).queued
        #expect(throws: ArenaBattleError.judgedByPeople) {
            try ArenaJudge.human.decide(prompt: .text("What is 2 plus 3?"), responseA: "6", responseB: "5")
        }

        // Waiting: the leaderboard, the export and the judges' agreement see the oracle's battle only.
        #expect(try database.arenaBattles().map(\.judge) == ["oracle"])
        #expect(try database.arenaBattles(judgeKind: .human).isEmpty)
        #expect(JudgeAgreement.pairwise(StoredBattles.verdicts(try database.arenaBattles())).isEmpty)

        let ada = try database.labeler(named: "ada")
        #expect(try database.nextArenaBallot(for: ada)?.battleID == queued[0])
        try database.voteArena(battleID: queued[0], labeler: ada, vote: .right)  // sft's "5", on the right
        let human = try database.arenaBattles(judgeKind: .human).map(StoredBattles.battle)
        let board = try Leaderboard(human, rounds: 10)
        #expect(board.entries.map(\.name) == ["sft", "base"])
        let agreement = JudgeAgreement.pairwise(StoredBattles.verdicts(try database.arenaBattles()))
        #expect(agreement.count == 1)
        #expect(agreement.first?.judgeA == "human:ada" && agreement.first?.judgeB == "oracle")
        #expect(agreement.first?.items == 1 && agreement.first?.rate == 1)
    }

    @Test func verdictsOfTwoJudgesOnOneItemAgree() {
        let item = "prompt:1:1-2"
        let records = [
            ArenaBattleRecord(
                modelA: "base", modelB: "sft", outcome: .b, judgeKind: .oracle, judge: "oracle", item: item,
                source: "arena battle"),
            ArenaBattleRecord(
                modelA: "base", modelB: "sft", outcome: .b, judgeKind: .rm, judge: "rm:rm", item: item,
                source: "arena battle"),
            ArenaBattleRecord(modelA: "x", modelB: "y", outcome: .a, judgeKind: .imported, source: "log"),
        ]
        let agreement = JudgeAgreement.pairwise(StoredBattles.verdicts(records))
        #expect(agreement.count == 1)
        #expect(agreement.first?.judgeA == "oracle" && agreement.first?.judgeB == "rm:rm")
        #expect(agreement.first?.rate == 1)
    }

    @Test func theScheduleGivesEveryPairItsPrompts() {
        let schedule = ArenaTournament.schedule(models: 3, prompts: 5, perPair: 2)
        #expect(schedule.count == 6)
        #expect(schedule.map { "\($0.a)\($0.b)" } == ["01", "01", "02", "02", "12", "12"])
        #expect(schedule.map(\.prompt) == [0, 1, 2, 3, 4, 0])
    }

    @Test func theOracleJudgesByTheRubric() throws {
        let prompt = PromptContent.text("What is 17 plus 25?")
        let judge = ArenaJudge.oracle
        #expect(try judge.decide(prompt: prompt, responseA: "17 plus 25 is 42.", responseB: "It is 40.") == .modelA)
        #expect(try judge.decide(prompt: prompt, responseA: "It is 40.", responseB: "17 plus 25 is 42.") == .modelB)
        #expect(try judge.decide(prompt: prompt, responseA: "42", responseB: "42") == .tie)
        #expect(try judge.decide(prompt: prompt, responseA: "It is 40.", responseB: "It is 41.") == .bothBad)
        #expect(throws: ArenaBattleError.self) {
            try judge.decide(prompt: .text("Tell me about the weather on Mars"), responseA: "a", responseB: "b")
        }
    }
}
