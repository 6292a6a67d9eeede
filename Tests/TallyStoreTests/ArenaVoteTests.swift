import Foundation
import GRDB
import Testing

@testable import TallyStore

/// Arena battles queued for people (`tally arena battle --judge human`) and their votes in the Arena screen.
@Suite struct ArenaVoteTests {
    /// A database with two checkpoints (`base`, `sft`) that each answered two prompts.
    struct Arena {
        let folder: TemporaryFolder
        let database: TallyDatabase
        let prompts: [Int64]
        /// Per prompt, base's response and sft's.
        let responses: [(base: Int64, sft: Int64)]
        let base: Int64
        let sft: Int64

        init() throws {
            folder = try TemporaryFolder()
            database = try TallyDatabase.open(at: folder.url.appendingPathComponent("tally.sqlite"))
            base = try database.registerCheckpoint(
                name: "base", kind: .base, path: "checkpoints/base", config: "{}", sha256: "ab")
            sft = try database.registerCheckpoint(
                name: "sft", kind: .sft, path: "checkpoints/sft", config: "{}", sha256: "cd")
            var prompts: [Int64] = []
            var responses: [(Int64, Int64)] = []
            for (text, answers) in [("What is 2 plus 3?", ["6", "5"]), ("Spell cat backwards.", ["tca", "tac"])] {
                let prompt = try database.addPrompt(.text(text), split: .eval)
                let a = try database.insertResponses(
                    promptID: prompt, texts: [answers[0]], checkpointID: base, seed: 1, queueAs: nil)[0]
                let b = try database.insertResponses(
                    promptID: prompt, texts: [answers[1]], checkpointID: sft, seed: 1, queueAs: nil)[0]
                prompts.append(prompt)
                responses.append((a, b))
            }
            self.prompts = prompts
            self.responses = responses
        }

        /// base against sft on prompt `index`, with `left` on the left.
        func setup(_ index: Int, left: ComparisonOutcome) -> ArenaBattleSetup {
            ArenaBattleSetup(
                modelA: "base", modelB: "sft", checkpointA: base, checkpointB: sft, promptID: prompts[index],
                responseA: responses[index].base, responseB: responses[index].sft, leftSide: left,
                sampling: SamplingParameters(temperature: 0.7, maxNewTokens: 8), seed: 1, source: "arena battle")
        }
    }

    /// Counts committed transactions that changed `arenaBattle`.
    final class CommitCounter: TransactionObserver, @unchecked Sendable {
        private var changed = false
        private(set) var commits = 0

        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "arenaBattle" }
        func databaseDidChange(with event: DatabaseEvent) { changed = true }
        func databaseDidCommit(_ db: Database) {
            if changed { commits += 1 }
            changed = false
        }
        func databaseDidRollback(_ db: Database) { changed = false }
    }

    @Test func queuedBattlesWaitUnjudgedAndAVoteIsOneTransaction() throws {
        let arena = try Arena()
        let database = arena.database
        let report = try database.queueArenaBattles([
            arena.setup(0, left: .b), arena.setup(0, left: .a), arena.setup(1, left: .a),
        ])
        #expect(report.queued.count == 2)
        #expect(report.alreadyWaiting == 1, "the same prompt and responses are queued once")
        // Waiting battles have no outcome: nothing reads them as judged.
        #expect(try database.arenaBattles().isEmpty)
        #expect(try database.arenaBattles(judgeKind: .human).isEmpty)

        let ada = try database.labeler(named: "ada")
        let bob = try database.labeler(named: "bob")
        #expect(try database.arenaBallotCount(for: ada) == 2)
        let ballot = try #require(try database.nextArenaBallot(for: ada))
        #expect(ballot.battleID == report.queued[0])
        #expect(ballot.prompt.content == .text("What is 2 plus 3?"))
        // The stored left side decides what is shown on the left: sft's "5".
        #expect(ballot.leftText == "5" && ballot.rightText == "6")
        // Ada holds it: Bob gets the other battle, and Ada gets hers again when she comes back.
        #expect(try database.nextArenaBallot(for: bob)?.battleID == report.queued[1])
        #expect(try database.nextArenaBallot(for: ada)?.battleID == report.queued[0])
        #expect(try database.arenaBallotCount(for: ada) == 1)
        #expect(throws: StoreError.self) {
            try database.voteArena(battleID: report.queued[0], labeler: bob, vote: .left)
        }

        let counter = CommitCounter()
        try database.pool.write { db in db.add(transactionObserver: counter, extent: .databaseLifetime) }
        let result = try database.voteArena(
            battleID: report.queued[0], labeler: ada, vote: .left, secondsSpent: 4.5)
        #expect(counter.commits == 1)
        #expect(result.leftModel == "sft" && result.rightModel == "base")
        #expect(result.outcome == .b, "left was sft, which is model B")
        #expect(throws: StoreError.self) {
            try database.voteArena(battleID: report.queued[0], labeler: ada, vote: .right)
        }
        #expect(counter.commits == 1, "a second vote stores nothing")

        let judged = try database.arenaBattles()
        try #require(judged.count == 1)
        let battle = judged[0]
        #expect(battle.judgeKind == .human && battle.judge == "human:ada" && battle.anonymous == true)
        #expect(battle.outcome == .b && battle.leftSide == .b && battle.votedAt != nil)
        #expect(battle.item == arena.setup(0, left: .b).item)
        #expect(battle.sampling?.maxNewTokens == 8 && battle.seed == 1)
        let row = try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT labelerId, secondsSpent FROM arenaBattle WHERE id = ?",
                arguments: [
                    report.queued[0]
                ])
        }
        #expect(row?["labelerId"] == ada.id && row?["secondsSpent"] == 4.5)
        #expect(try database.arenaVoteCount(for: ada) == 1)
        #expect(try database.arenaBallotCount(for: ada) == 0, "the other battle is Bob's")
    }

    @Test func aSkippedBattleComesBackAfterTheOthers() throws {
        let arena = try Arena()
        let database = arena.database
        let ids = try database.queueArenaBattles([arena.setup(0, left: .a), arena.setup(1, left: .b)]).queued
        let ada = try database.labeler(named: "ada")
        #expect(try database.nextArenaBallot(for: ada)?.battleID == ids[0])
        try database.skipArenaBattle(battleID: ids[0], labeler: ada)
        let next = try #require(try database.nextArenaBallot(for: ada))
        #expect(next.battleID == ids[1] && !next.skippedBefore)
        try database.voteArena(battleID: ids[1], labeler: ada, vote: .tie)
        let again = try #require(try database.nextArenaBallot(for: ada))
        #expect(again.battleID == ids[0] && again.skippedBefore)
        // Alone in the queue, a skipped battle comes straight back.
        try database.skipArenaBattle(battleID: ids[0], labeler: ada)
        #expect(try database.nextArenaBallot(for: ada)?.battleID == ids[0])
        // Only the holder can skip, and only a battle still waiting.
        let bob = try database.labeler(named: "bob")
        #expect(throws: StoreError.self) { try database.skipArenaBattle(battleID: ids[0], labeler: bob) }
        #expect(throws: StoreError.self) { try database.skipArenaBattle(battleID: ids[1], labeler: ada) }
    }

    @Test func aLabelerNeverVotesTwiceOnOneItem() throws {
        let arena = try Arena()
        let database = arena.database
        let first = try database.queueArenaBattles([arena.setup(0, left: .a)]).queued
        let ada = try database.labeler(named: "ada")
        _ = try database.nextArenaBallot(for: ada)
        try database.voteArena(battleID: first[0], labeler: ada, vote: .bothBad)
        // Queued again once judged (a second opinion): not for Ada, who has seen the names.
        let second = try database.queueArenaBattles([arena.setup(0, left: .b)])
        #expect(second.queued.count == 1 && second.alreadyWaiting == 0)
        #expect(try database.arenaBallotCount(for: ada) == 0)
        #expect(try database.nextArenaBallot(for: ada) == nil)
        let bob = try database.labeler(named: "bob")
        #expect(try database.nextArenaBallot(for: bob)?.battleID == second.queued[0])
    }

    @Test func aWaitingBattleNeedsAPersonAndItsResponses() throws {
        let arena = try Arena()
        // Only a `human` battle may lack an outcome, and only with a prompt, responses and a left side.
        for judgeKind in ["oracle", "human"] {
            #expect(throws: (any Error).self, "a waiting \(judgeKind) battle without responses") {
                try arena.database.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO arenaBattle (modelA, modelB, outcome, judgeKind, source, createdAt)
                            VALUES ('a', 'b', NULL, ?, 'test', 0)
                            """, arguments: [judgeKind])
                }
            }
        }
    }

    @Test func theVotesMigrationKeepsJudgedBattles() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("v7.sqlite")
        do {
            let old = try TallyDatabase.open(at: url, migratingUpTo: "v7-arena-battles")
            try old.recordArenaBattles([
                ArenaBattleRecord(
                    modelA: "gpt-4", modelB: "claude-v1", outcome: .a, judgeKind: .imported, judge: "u1",
                    anonymous: true, source: "log", votedAt: 1.5)
            ])
            old.close()
        }
        let database = try TallyDatabase.open(at: url)
        defer { database.close() }
        #expect(try database.appliedMigrations() == Schema.migrationIdentifiers)
        let battles = try database.arenaBattles()
        #expect(battles.count == 1)
        #expect(battles.first?.modelA == "gpt-4" && battles.first?.outcome == .a && battles.first?.votedAt == 1.5)
    }
}
