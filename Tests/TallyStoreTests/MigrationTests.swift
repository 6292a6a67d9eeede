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
            try database.demonstrationDrafts(demonstrationID: 1) == [
                DemonstrationDraftLink(draftID: 1, editDistance: nil)
            ])
    }
}

@Suite struct BulkTableCheckMigrationTests {
    private static let pairLine = #"{"prompt": "Name a colour.", "chosen": "Blue.", "rejected": "Seven."}"#

    /// A v4 database with an imported pair, a multi-turn prompt, a labelled comparison and a flag on it.
    /// The pair's rows are written as an import of that version wrote them (today's importer writes columns
    /// that later migrations add).
    private func makeVersion4Database(at url: URL, pairs: URL) throws {
        let old = try TallyDatabase.open(at: url, migratingUpTo: "v4-draft-edit-distance")
        try Self.pairLine.write(to: pairs, atomically: true, encoding: .utf8)
        try old.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO prompt (text, source, split, contentHash, createdAt)
                    VALUES ('Name a colour.', 'pairs.jsonl', 'train', ?, 1);
                    INSERT INTO response (promptId, text, textHash, origin, source, createdAt)
                    VALUES (1, 'Blue.', ?, 'model', 'pairs.jsonl', 1), (1, 'Seven.', ?, 'model', 'pairs.jsonl', 1);
                    INSERT INTO comparison (promptId, responseAId, responseBId, outcome, source, createdAt)
                    VALUES (1, 1, 2, 'A', 'pairs.jsonl', 1);
                    """,
                arguments: [
                    ContentHash.promptHash(.text("Name a colour.")).data, ContentHash.textKey("Blue."),
                    ContentHash.textKey("Seven."),
                ])
            try db.execute(
                sql: """
                    INSERT INTO labeler (name, role, createdAt) VALUES ('alice', 'labeler', 1);
                    INSERT INTO prompt (text, source, split, contentHash, createdAt)
                    VALUES ('What is 2 + 2?', 'old', 'test', X'01', 1);
                    INSERT INTO prompt (messages, source, split, contentHash, createdAt)
                    VALUES ('[{"role":"user","content":"Hi"}]', 'old', 'eval', X'02', 2);
                    INSERT INTO response (promptId, text, textHash, origin, source, createdAt)
                    VALUES (2, '4', 1, 'model', 'old', 1), (2, '5', 2, 'model', 'old', 1);
                    INSERT INTO comparison (promptId, responseAId, responseBId, outcome, labelerId, source, createdAt)
                    VALUES (2, 3, 4, 'bothBad', 1, 'old', 3);
                    INSERT INTO flag (kind, promptId, comparisonId, labelerId, createdAt) VALUES ('spam', 2, 2, 1, 4);
                    """)
        }
        old.close()
    }

    @Test func rebuiltTablesKeepTheirRowsIndexesAndReferences() throws {
        let temp = try TemporaryFolder()
        let url = temp.url.appendingPathComponent("v4.sqlite")
        let pairs = temp.url.appendingPathComponent("pairs.jsonl")
        try makeVersion4Database(at: url, pairs: pairs)
        let database = try TallyDatabase.open(at: url)
        #expect(try database.appliedMigrations() == Schema.migrationIdentifiers)
        try database.read { db in
            let prompts = try Row.fetchAll(
                db, sql: "SELECT id, text, messages, split, contentHash FROM prompt ORDER BY id")
            #expect(prompts.map { $0["split"] as String } == ["train", "test", "eval"])
            #expect(prompts[2]["messages"] as String? == #"[{"role":"user","content":"Hi"}]"#)
            #expect(prompts[1]["contentHash"] as Data == Data([1]))
            let comparisons = try Row.fetchAll(db, sql: "SELECT * FROM comparison ORDER BY id")
            #expect(comparisons.map { $0["outcome"] as String } == ["A", "bothBad"])
            #expect(comparisons[1]["labelerId"] as Int64 == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM flag WHERE comparisonId = 2") == 1)
            let indexes = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comparison' ORDER BY name"
            )
            #expect(indexes == ["comparison_assignment", "comparison_pair"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
        // The pair imported before the rebuild is still found by its hashes.
        let again = try database.importFile(pairs, options: ImportOptions(kind: .prefs))
        #expect(again.promptsMerged == 1)
        #expect(again.pairsDuplicate == 1)
        #expect(again.pairsAdded == 0)
    }

    /// Columns, foreign keys and indexes (with their columns) of `table`, as SQLite reports them.
    private func shape(of table: String, in database: TallyDatabase) throws -> [String] {
        try database.read { db in
            let columns = try Row.fetchAll(
                db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", arguments: [table]
            )
            .map { "column \($0["name"] as String) \($0["type"] as String) \($0["notnull"] as Int) \($0["pk"] as Int)" }
            let keys = try Row.fetchAll(
                db,
                sql: "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?) ORDER BY \"from\"",
                arguments: [table]
            ).map {
                "foreign key \($0["from"] as String) -> \($0["table"] as String).\($0["to"] as String? ?? "id") \($0["on_delete"] as String)"
            }
            let indexes = try Row.fetchAll(
                db, sql: "SELECT name, \"unique\" FROM pragma_index_list(?) ORDER BY name", arguments: [table]
            ).map { index -> String in
                let name = index["name"] as String
                let columns = try String.fetchAll(
                    db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [name])
                // Automatic indexes are named by position, which a rebuild may change.
                let label = name.hasPrefix("sqlite_autoindex") ? "automatic" : name
                return "index \(label) unique=\(index["unique"] as Int) (\(columns.joined(separator: ", ")))"
            }
            return columns + keys.sorted() + indexes.sorted()
        }
    }

    @Test func rebuiltTablesHaveTheSameColumnsKeysAndIndexes() throws {
        let temp = try TemporaryFolder()
        let before = try TallyDatabase.open(
            at: temp.url.appendingPathComponent("v4.sqlite"), migratingUpTo: "v4-draft-edit-distance")
        let after = try TallyDatabase.open(
            at: temp.url.appendingPathComponent("v5.sqlite"), migratingUpTo: "v5-bulk-table-checks")
        for table in ["prompt", "comparison"] {
            let old = try shape(of: table, in: before)
            #expect(old.count > 5)
            #expect(try shape(of: table, in: after) == old, "\(table) changed shape")
        }
    }

    @Test func rebuiltChecksAcceptEveryKnownSplitAndOutcome() throws {
        let temp = try TemporaryFolder()
        let database = try TallyDatabase.open(at: temp.url.appendingPathComponent("new.sqlite"))
        try database.pool.write { db in
            for (index, split) in ["train", "eval", "test"].enumerated() {
                try db.execute(
                    sql: "INSERT INTO prompt (text, source, split, contentHash, createdAt) VALUES (?, 's', ?, ?, 1)",
                    arguments: ["Q\(index)", split, Data([UInt8(index)])])
            }
            try db.execute(
                sql: """
                    INSERT INTO response (promptId, text, textHash, origin, source, createdAt)
                    VALUES (1, 'a', 1, 'model', 's', 1), (1, 'b', 2, 'human', 's', 1)
                    """)
            for outcome in ["A", "B", "tie", "bothBad"] {
                try db.execute(
                    sql: """
                        INSERT INTO comparison (promptId, responseAId, responseBId, outcome, source, createdAt)
                        VALUES (1, 1, 2, ?, 's', 1)
                        """, arguments: [outcome])
            }
        }
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM comparison") } == 4)
    }

    @Test func rebuiltChecksStillRefuseUnknownSplitsAndOutcomes() throws {
        let temp = try TemporaryFolder()
        let database = try TallyDatabase.open(at: temp.url.appendingPathComponent("new.sqlite"))
        try database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO prompt (text, source, split, contentHash, createdAt) VALUES ('Q', 's', 'train', X'01', 1);
                    INSERT INTO response (promptId, text, textHash, origin, source, createdAt)
                    VALUES (1, 'a', 1, 'model', 's', 1), (1, 'b', 2, 'model', 's', 1);
                    """)
        }
        #expect(throws: DatabaseError.self) {
            try database.pool.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO prompt (text, source, split, contentHash, createdAt) VALUES ('R', 's', 'dev', X'02', 1)"
                )
            }
        }
        #expect(throws: DatabaseError.self) {
            try database.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO comparison (promptId, responseAId, responseBId, outcome, source, createdAt)
                        VALUES (1, 1, 2, 'C', 's', 1)
                        """)
            }
        }
        #expect(throws: DatabaseError.self) {
            try database.pool.write { db in
                try db.execute(
                    sql: "INSERT INTO prompt (source, split, contentHash, createdAt) VALUES ('s', 'test', X'03', 1)")
            }
        }
    }
}
