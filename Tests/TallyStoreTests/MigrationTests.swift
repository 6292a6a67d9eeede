import Foundation
import GRDB
import Testing

@testable import TallyStore

@Suite struct MigrationTests {
    @Test func emptyDatabaseGetsEveryMigration() throws {
        let temp = try TemporaryFolder()
        let database = try TallyDatabase.open(at: temp.url.appendingPathComponent("empty.sqlite"))
        #expect(try database.appliedMigrations() == Schema.migrationIdentifiers)
        let tables = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for table in [
            "labeler", "instructionVersion", "prompt", "response", "draft", "critique", "demonstration",
            "ranking", "rankingEntry", "comparison", "flag", "checkpoint", "trainingRun", "trainingMetric", "battle",
            "task", "taskResponse", "assignment", "setting",
        ] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test func previousVersionDatabaseKeepsItsRowsAndGetsQueues() throws {
        let temp = try TemporaryFolder()
        let url = temp.url.appendingPathComponent("old.sqlite")
        do {
            // A database as the first version of Tally left it: prompts and a comparison, no queues.
            let old = try TallyDatabase.open(at: url, migratingUpTo: "v1-core")
            #expect(try old.appliedMigrations() == ["v1-core"])
            try old.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO prompt (text, source, split, contentHash, createdAt)
                        VALUES ('What is 2 + 2?', 'old', 'train', X'01', 1), ('Name a colour.', 'old', 'eval', X'02', 2);
                        INSERT INTO response (promptId, text, textHash, origin, source, createdAt)
                        VALUES (1, '4', 'r1', 'model', 'old', 1), (1, '5', 'r2', 'model', 'old', 1);
                        INSERT INTO comparison (promptId, responseAId, responseBId, outcome, source, createdAt)
                        VALUES (1, 1, 2, 'A', 'old', 1);
                        """)
            }
            old.close()
        }
        let database = try TallyDatabase.open(at: url)
        #expect(try database.appliedMigrations() == Schema.migrationIdentifiers)
        let status = try database.status()
        #expect(status.prompts == ["train": 1, "eval": 1, "test": 0])
        #expect(status.comparisons == 1)
        #expect(status.pairs == 1)
        // The queue migration gives every existing prompt a demonstration task.
        #expect(status.openTasks["demonstration"] == 2)
        let alice = try database.labeler(named: "alice")
        let task = try #require(try database.nextDemonstrationTask(for: alice))
        #expect(task.prompt.content == .text("What is 2 + 2?"))
    }

    @Test func draftLinksKeepTheirRowsAndGainAnEditDistance() throws {
        let temp = try TemporaryFolder()
        let url = temp.url.appendingPathComponent("v3.sqlite")
        do {
            // A demonstration linked to its draft, as the version before edit distances left it.
            let old = try TallyDatabase.open(at: url, migratingUpTo: "v3-pretrain-runs")
            try old.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO prompt (text, source, split, contentHash, createdAt)
                        VALUES ('Explain tides.', 'old', 'train', X'01', 1);
                        INSERT INTO draft (promptId, endpointModel, text, createdAt) VALUES (1, 'helper', 'Draft', 1);
                        INSERT INTO demonstration (promptId, text, source, createdAt) VALUES (1, 'Tides…', 'old', 1);
                        INSERT INTO demonstrationDraft (demonstrationId, draftId) VALUES (1, 1);
                        """)
            }
            old.close()
        }
        let database = try TallyDatabase.open(at: url)
        #expect(try database.appliedMigrations() == Schema.migrationIdentifiers)
        #expect(try database.status().demonstrations == 1)
        #expect(
            try database.demonstrationDrafts(demonstrationID: 1) == [DemonstrationDraftLink(draftID: 1, editDistance: nil)])
    }
}
