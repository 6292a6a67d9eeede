import Foundation
import GRDB

/// The database schema as an append-only list of migrations.
///
/// Never edit a migration once it has shipped: add a new one. Tests open a database at an older
/// migration, fill it, and check that migrating to the latest keeps every row.
enum Schema {
    /// The migration identifiers, oldest first.
    static let migrationIdentifiers = [
        "v1-core", "v2-queues", "v3-pretrain-runs", "v4-draft-edit-distance",
        "v5-bulk-table-checks", "v6-training-run-parents", "v7-arena-battles", "v8-arena-votes",
        "v9-response-turns", "v10-label-accounts",
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core", migrate: createCoreTables)
        migrator.registerMigration("v2-queues", migrate: createQueueTables)
        migrator.registerMigration("v3-pretrain-runs", migrate: allowPretrainingRuns)
        migrator.registerMigration("v4-draft-edit-distance", migrate: addDraftEditDistance)
        migrator.registerMigration("v5-bulk-table-checks", migrate: checkBulkTablesWithoutInLists)
        migrator.registerMigration("v6-training-run-parents", migrate: addTrainingRunParents)
        migrator.registerMigration("v7-arena-battles", migrate: createArenaBattles)
        migrator.registerMigration("v8-arena-votes", migrate: queueArenaBattlesForPeople)
        migrator.registerMigration("v9-response-turns", migrate: addResponseTurns)
        migrator.registerMigration("v10-label-accounts", migrate: recordLabelAccounts)
        return migrator
    }

    /// Labels, prompts, responses, model output, checkpoints, training runs and battles.
    private static func createCoreTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE labeler (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'labeler')),
                    createdAt REAL NOT NULL
                );
                CREATE TABLE instructionVersion (
                    id INTEGER PRIMARY KEY,
                    hash TEXT NOT NULL UNIQUE,
                    text TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                -- A prompt is a single text or, for multi-turn prompts, a JSON array of {role, content}.
                CREATE TABLE prompt (
                    id INTEGER PRIMARY KEY,
                    text TEXT,
                    messages TEXT,
                    source TEXT NOT NULL,
                    split TEXT NOT NULL CHECK (split IN ('train', 'eval', 'test')),
                    -- SHA-256 of the normalized content: duplicates merge on it.
                    contentHash BLOB NOT NULL UNIQUE,
                    createdAt REAL NOT NULL,
                    CHECK ((text IS NULL) <> (messages IS NULL))
                );
                CREATE TABLE checkpoint (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL CHECK (kind IN ('base', 'sft', 'rm', 'dpo', 'ppo')),
                    parentId INTEGER REFERENCES checkpoint(id),
                    path TEXT NOT NULL,
                    config TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                CREATE TABLE response (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    text TEXT NOT NULL,
                    -- The first 64 bits of the text's SHA-256: finds duplicates (compare text to confirm).
                    textHash INTEGER NOT NULL,
                    origin TEXT NOT NULL CHECK (origin IN ('human', 'model')),
                    checkpointId INTEGER REFERENCES checkpoint(id),
                    sampling TEXT,
                    seed INTEGER,
                    source TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                CREATE INDEX response_prompt_hash ON response(promptId, textHash);
                -- Drafts and critiques are written by a checkpoint or by a model behind an endpoint.
                CREATE TABLE draft (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    checkpointId INTEGER REFERENCES checkpoint(id),
                    endpointModel TEXT,
                    text TEXT NOT NULL,
                    createdAt REAL NOT NULL,
                    CHECK ((checkpointId IS NULL) <> (endpointModel IS NULL))
                );
                CREATE INDEX draft_prompt ON draft(promptId);
                CREATE TABLE critique (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    responseId INTEGER NOT NULL REFERENCES response(id),
                    checkpointId INTEGER REFERENCES checkpoint(id),
                    endpointModel TEXT,
                    text TEXT NOT NULL,
                    createdAt REAL NOT NULL,
                    CHECK ((checkpointId IS NULL) <> (endpointModel IS NULL))
                );
                CREATE INDEX critique_response ON critique(responseId);
                CREATE TABLE demonstration (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    labelerId INTEGER REFERENCES labeler(id),
                    text TEXT NOT NULL,
                    instructionVersionId INTEGER REFERENCES instructionVersion(id),
                    secondsSpent REAL,
                    source TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                CREATE INDEX demonstration_prompt ON demonstration(promptId);
                CREATE TABLE demonstrationDraft (
                    demonstrationId INTEGER NOT NULL REFERENCES demonstration(id) ON DELETE CASCADE,
                    draftId INTEGER NOT NULL REFERENCES draft(id),
                    PRIMARY KEY (demonstrationId, draftId)
                );
                -- A ranking orders responses into tiers: tier 0 is best, equal tiers are ties.
                CREATE TABLE ranking (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    labelerId INTEGER REFERENCES labeler(id),
                    noneAcceptable INTEGER NOT NULL DEFAULT 0,
                    instructionVersionId INTEGER REFERENCES instructionVersion(id),
                    secondsSpent REAL,
                    source TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                CREATE INDEX ranking_prompt ON ranking(promptId);
                CREATE TABLE rankingEntry (
                    rankingId INTEGER NOT NULL REFERENCES ranking(id) ON DELETE CASCADE,
                    responseId INTEGER NOT NULL REFERENCES response(id),
                    tier INTEGER NOT NULL CHECK (tier >= 0),
                    PRIMARY KEY (rankingId, responseId)
                );
                -- Pairwise comparisons: labelled in the TUI, or imported preference pairs (labelerId NULL).
                CREATE TABLE comparison (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    responseAId INTEGER NOT NULL REFERENCES response(id),
                    responseBId INTEGER NOT NULL REFERENCES response(id),
                    outcome TEXT NOT NULL CHECK (outcome IN ('A', 'B', 'tie', 'bothBad')),
                    strength REAL,
                    labelerId INTEGER REFERENCES labeler(id),
                    instructionVersionId INTEGER REFERENCES instructionVersion(id),
                    secondsSpent REAL,
                    source TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                CREATE INDEX comparison_pair ON comparison(responseAId, responseBId);
                CREATE TABLE flag (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL
                        CHECK (kind IN ('harmful', 'jailbreak', 'pii', 'spam', 'factualError', 'note')),
                    note TEXT,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    responseId INTEGER REFERENCES response(id),
                    labelerId INTEGER REFERENCES labeler(id),
                    demonstrationId INTEGER REFERENCES demonstration(id) ON DELETE CASCADE,
                    rankingId INTEGER REFERENCES ranking(id) ON DELETE CASCADE,
                    comparisonId INTEGER REFERENCES comparison(id) ON DELETE CASCADE,
                    createdAt REAL NOT NULL
                );
                CREATE INDEX flag_ranking ON flag(rankingId);
                CREATE INDEX flag_demonstration ON flag(demonstrationId);
                CREATE INDEX flag_comparison ON flag(comparisonId);
                CREATE TABLE trainingRun (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('sft', 'rm', 'dpo', 'ppo')),
                    baseCheckpointId INTEGER REFERENCES checkpoint(id),
                    outputCheckpointId INTEGER REFERENCES checkpoint(id),
                    config TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
                    startedAt REAL NOT NULL,
                    finishedAt REAL
                );
                CREATE TABLE trainingMetric (
                    runId INTEGER NOT NULL REFERENCES trainingRun(id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    PRIMARY KEY (runId, step, name)
                );
                CREATE TABLE battle (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    checkpointAId INTEGER NOT NULL REFERENCES checkpoint(id),
                    checkpointBId INTEGER NOT NULL REFERENCES checkpoint(id),
                    responseAId INTEGER NOT NULL REFERENCES response(id),
                    responseBId INTEGER NOT NULL REFERENCES response(id),
                    leftSide TEXT NOT NULL CHECK (leftSide IN ('A', 'B')),
                    judgeKind TEXT NOT NULL CHECK (judgeKind IN ('human', 'rm', 'oracle')),
                    judgeId TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('A', 'B', 'tie', 'bothBad')),
                    createdAt REAL NOT NULL
                );
                """)
    }

    /// Labeling queues: tasks (an item to label, with its overlap target), their responses, and
    /// assignments (which labeler holds which task, and how far they got).
    private static func createQueueTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE task (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('demonstration', 'ranking', 'comparison')),
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    overlapTarget INTEGER NOT NULL CHECK (overlapTarget >= 1),
                    createdAt REAL NOT NULL
                );
                CREATE INDEX task_kind ON task(kind, id);
                CREATE TABLE taskResponse (
                    taskId INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,
                    responseId INTEGER NOT NULL REFERENCES response(id),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (taskId, responseId)
                );
                CREATE TABLE assignment (
                    id INTEGER PRIMARY KEY,
                    taskId INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,
                    labelerId INTEGER NOT NULL REFERENCES labeler(id),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'draft', 'submitted', 'skipped')),
                    draftText TEXT,
                    createdAt REAL NOT NULL,
                    updatedAt REAL NOT NULL,
                    submittedAt REAL,
                    UNIQUE (taskId, labelerId)
                );
                CREATE INDEX assignment_labeler ON assignment(labelerId, status);
                CREATE TABLE setting (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                ALTER TABLE demonstration ADD COLUMN assignmentId INTEGER REFERENCES assignment(id);
                ALTER TABLE ranking ADD COLUMN assignmentId INTEGER REFERENCES assignment(id);
                ALTER TABLE comparison ADD COLUMN assignmentId INTEGER REFERENCES assignment(id);
                CREATE INDEX demonstration_assignment ON demonstration(assignmentId);
                CREATE INDEX ranking_assignment ON ranking(assignmentId);
                CREATE INDEX comparison_assignment ON comparison(assignmentId);
                -- Prompts imported before queues existed still need demonstrations.
                INSERT INTO task (kind, promptId, overlapTarget, createdAt)
                    SELECT 'demonstration', id, 1, createdAt FROM prompt ORDER BY id;
                """)
    }

    /// Training runs may also be pretraining runs (`tally pretrain`). SQLite cannot change a CHECK constraint,
    /// so the table is rebuilt with its rows (GRDB runs migrations with foreign keys off and checks them after,
    /// so `trainingMetric` rows keep pointing at the same run ids).
    private static func allowPretrainingRuns(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE trainingRun_v3 (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('pretrain', 'sft', 'rm', 'dpo', 'ppo')),
                    baseCheckpointId INTEGER REFERENCES checkpoint(id),
                    outputCheckpointId INTEGER REFERENCES checkpoint(id),
                    config TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
                    startedAt REAL NOT NULL,
                    finishedAt REAL
                );
                INSERT INTO trainingRun_v3 (id, kind, baseCheckpointId, outputCheckpointId, config, status, startedAt,
                    finishedAt)
                    SELECT id, kind, baseCheckpointId, outputCheckpointId, config, status, startedAt, finishedAt
                    FROM trainingRun;
                DROP TABLE trainingRun;
                ALTER TABLE trainingRun_v3 RENAME TO trainingRun;
                """)
    }

    /// A demonstration remembers how far its text ended from each draft it started from (Levenshtein
    /// distance in characters); NULL for links stored before this migration.
    private static func addDraftEditDistance(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE demonstrationDraft ADD COLUMN editDistance INTEGER CHECK (editDistance >= 0)")
    }

    /// The same CHECK constraints on `prompt.split` and `comparison.outcome`, written as OR chains.
    ///
    /// SQLite (3.40, Debian 12's) evaluates `x IN ('a', 'b', 'c')` in a CHECK by building a temporary
    /// b-tree of the list for every row it checks; with two values or an OR chain it compares directly.
    /// Imports insert a prompt and a comparison per preference pair, and that b-tree was about a quarter
    /// of the instructions of the import's write (callgrind). Both tables are rebuilt with their rows
    /// and indexes, as in ``allowPretrainingRuns(_:)``.
    private static func checkBulkTablesWithoutInLists(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE prompt_v5 (
                    id INTEGER PRIMARY KEY,
                    text TEXT,
                    messages TEXT,
                    source TEXT NOT NULL,
                    split TEXT NOT NULL CHECK (split = 'train' OR split = 'eval' OR split = 'test'),
                    -- SHA-256 of the normalized content: duplicates merge on it.
                    contentHash BLOB NOT NULL UNIQUE,
                    createdAt REAL NOT NULL,
                    CHECK ((text IS NULL) <> (messages IS NULL))
                );
                INSERT INTO prompt_v5 (id, text, messages, source, split, contentHash, createdAt)
                    SELECT id, text, messages, source, split, contentHash, createdAt FROM prompt;
                DROP TABLE prompt;
                ALTER TABLE prompt_v5 RENAME TO prompt;

                CREATE TABLE comparison_v5 (
                    id INTEGER PRIMARY KEY,
                    promptId INTEGER NOT NULL REFERENCES prompt(id),
                    responseAId INTEGER NOT NULL REFERENCES response(id),
                    responseBId INTEGER NOT NULL REFERENCES response(id),
                    outcome TEXT NOT NULL
                        CHECK (outcome = 'A' OR outcome = 'B' OR outcome = 'tie' OR outcome = 'bothBad'),
                    strength REAL,
                    labelerId INTEGER REFERENCES labeler(id),
                    instructionVersionId INTEGER REFERENCES instructionVersion(id),
                    secondsSpent REAL,
                    source TEXT NOT NULL,
                    createdAt REAL NOT NULL,
                    assignmentId INTEGER REFERENCES assignment(id)
                );
                INSERT INTO comparison_v5 (id, promptId, responseAId, responseBId, outcome, strength, labelerId,
                    instructionVersionId, secondsSpent, source, createdAt, assignmentId)
                    SELECT id, promptId, responseAId, responseBId, outcome, strength, labelerId,
                        instructionVersionId, secondsSpent, source, createdAt, assignmentId
                    FROM comparison;
                DROP TABLE comparison;
                ALTER TABLE comparison_v5 RENAME TO comparison;
                CREATE INDEX comparison_pair ON comparison(responseAId, responseBId);
                CREATE INDEX comparison_assignment ON comparison(assignmentId);
                """)
    }

    /// Training runs name their parent checkpoints by role (the init/policy checkpoint stays in
    /// `baseCheckpointId`; the reference, reward and value models get columns of their own), the checkpoint
    /// name they write, the steps they plan and why they stopped or failed; `stopped` is a run interrupted
    /// at a saved step, which the same command resumes. The run and checkpoint kinds gain the RL
    /// trainers (`grpo`, `rloo`) and PPO's `value` model. Both tables are rebuilt with their rows, as in
    /// ``allowPretrainingRuns(_:)``.
    private static func addTrainingRunParents(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE checkpoint_v6 (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL CHECK (kind = 'base' OR kind = 'sft' OR kind = 'rm' OR kind = 'dpo'
                        OR kind = 'ppo' OR kind = 'grpo' OR kind = 'rloo' OR kind = 'value'),
                    parentId INTEGER REFERENCES checkpoint(id),
                    path TEXT NOT NULL,
                    config TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                INSERT INTO checkpoint_v6 (id, name, kind, parentId, path, config, sha256, createdAt)
                    SELECT id, name, kind, parentId, path, config, sha256, createdAt FROM checkpoint;
                DROP TABLE checkpoint;
                ALTER TABLE checkpoint_v6 RENAME TO checkpoint;

                CREATE TABLE trainingRun_v6 (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind = 'pretrain' OR kind = 'sft' OR kind = 'rm' OR kind = 'dpo'
                        OR kind = 'ppo' OR kind = 'grpo' OR kind = 'rloo'),
                    name TEXT,
                    baseCheckpointId INTEGER REFERENCES checkpoint(id),
                    referenceCheckpointId INTEGER REFERENCES checkpoint(id),
                    rewardCheckpointId INTEGER REFERENCES checkpoint(id),
                    valueCheckpointId INTEGER REFERENCES checkpoint(id),
                    outputCheckpointId INTEGER REFERENCES checkpoint(id),
                    config TEXT NOT NULL,
                    totalSteps INTEGER,
                    status TEXT NOT NULL
                        CHECK (status = 'running' OR status = 'stopped' OR status = 'finished' OR status = 'failed'),
                    error TEXT,
                    startedAt REAL NOT NULL,
                    finishedAt REAL
                );
                INSERT INTO trainingRun_v6 (id, kind, baseCheckpointId, outputCheckpointId, config, status, startedAt,
                    finishedAt)
                    SELECT id, kind, baseCheckpointId, outputCheckpointId, config, status, startedAt, finishedAt
                    FROM trainingRun;
                DROP TABLE trainingRun;
                ALTER TABLE trainingRun_v6 RENAME TO trainingRun;
                """)
    }

    /// Arena battles between named models. v1's `battle` table can only hold battles between two checkpoints of
    /// this workspace with stored responses, but the arena also rates models it never ran: the battles of an
    /// imported Chatbot Arena log name external models and carry no prompt or response. So `arenaBattle` names
    /// both models by text (`modelA`, `modelB`: a checkpoint's name, or the log's name) and keeps the
    /// checkpoint, prompt and response ids optional, present when Tally ran the battle itself. `item`
    /// identifies the prompt with its two responses, so that verdicts of different judges on the same item
    /// can be compared; `sampling` and `seed` record how the responses were drawn; `votedAt` is the log's
    /// `tstamp` (or when the judge decided), `createdAt` when the row was written. Judge kinds gain `import`
    /// for battles read from a log. v1's rows are copied over with their checkpoints' names; the old table
    /// stays as it is for the code that still writes it.
    private static func createArenaBattles(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE arenaBattle (
                    id INTEGER PRIMARY KEY,
                    modelA TEXT NOT NULL,
                    modelB TEXT NOT NULL,
                    outcome TEXT NOT NULL
                        CHECK (outcome = 'A' OR outcome = 'B' OR outcome = 'tie' OR outcome = 'bothBad'),
                    judgeKind TEXT NOT NULL
                        CHECK (judgeKind = 'human' OR judgeKind = 'rm' OR judgeKind = 'oracle' OR judgeKind = 'import'),
                    judge TEXT,
                    anonymous INTEGER CHECK (anonymous IS NULL OR anonymous = 0 OR anonymous = 1),
                    checkpointAId INTEGER REFERENCES checkpoint(id),
                    checkpointBId INTEGER REFERENCES checkpoint(id),
                    promptId INTEGER REFERENCES prompt(id),
                    responseAId INTEGER REFERENCES response(id),
                    responseBId INTEGER REFERENCES response(id),
                    leftSide TEXT CHECK (leftSide IS NULL OR leftSide = 'A' OR leftSide = 'B'),
                    item TEXT,
                    sampling TEXT,
                    seed INTEGER,
                    source TEXT NOT NULL,
                    votedAt REAL,
                    createdAt REAL NOT NULL,
                    CHECK (modelA <> modelB)
                );
                CREATE INDEX arenaBattle_item ON arenaBattle(item);
                INSERT INTO arenaBattle (modelA, modelB, outcome, judgeKind, judge, anonymous, checkpointAId,
                    checkpointBId, promptId, responseAId, responseBId, leftSide, item, source, votedAt, createdAt)
                    SELECT a.name, b.name, battle.outcome, battle.judgeKind, battle.judgeId, 1, battle.checkpointAId,
                        battle.checkpointBId, battle.promptId, battle.responseAId, battle.responseBId, battle.leftSide,
                        'prompt:' || battle.promptId || ':' || min(battle.responseAId, battle.responseBId) || '-'
                            || max(battle.responseAId, battle.responseBId),
                        'battle', battle.createdAt, battle.createdAt
                    FROM battle JOIN checkpoint a ON a.id = battle.checkpointAId
                        JOIN checkpoint b ON b.id = battle.checkpointBId
                    WHERE a.name <> b.name
                    ORDER BY battle.id;
                """)
    }

    /// Battles can wait for a person's vote (`tally arena battle --judge human`, voted on in `tally label`'s Arena
    /// screen). A waiting battle is a `human` row without an outcome (it has its prompt, responses and left side);
    /// `labelerId` is the labeler holding it (claimed, not yet voted) or, once judged, the one who voted;
    /// `claimedAt` orders a labeler's held battles, `skippedAt` puts a battle someone skipped behind the others;
    /// `secondsSpent` and `instructionVersionId` are recorded with the vote, as with the other labels. SQLite
    /// cannot drop a NOT NULL, so the table is rebuilt with its rows and index, as in
    /// ``allowPretrainingRuns(_:)``.
    private static func queueArenaBattlesForPeople(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE arenaBattle_v8 (
                    id INTEGER PRIMARY KEY,
                    modelA TEXT NOT NULL,
                    modelB TEXT NOT NULL,
                    outcome TEXT
                        CHECK (outcome = 'A' OR outcome = 'B' OR outcome = 'tie' OR outcome = 'bothBad'),
                    judgeKind TEXT NOT NULL
                        CHECK (judgeKind = 'human' OR judgeKind = 'rm' OR judgeKind = 'oracle' OR judgeKind = 'import'),
                    judge TEXT,
                    anonymous INTEGER CHECK (anonymous IS NULL OR anonymous = 0 OR anonymous = 1),
                    checkpointAId INTEGER REFERENCES checkpoint(id),
                    checkpointBId INTEGER REFERENCES checkpoint(id),
                    promptId INTEGER REFERENCES prompt(id),
                    responseAId INTEGER REFERENCES response(id),
                    responseBId INTEGER REFERENCES response(id),
                    leftSide TEXT CHECK (leftSide IS NULL OR leftSide = 'A' OR leftSide = 'B'),
                    item TEXT,
                    sampling TEXT,
                    seed INTEGER,
                    source TEXT NOT NULL,
                    votedAt REAL,
                    createdAt REAL NOT NULL,
                    labelerId INTEGER REFERENCES labeler(id),
                    claimedAt REAL,
                    skippedAt REAL,
                    secondsSpent REAL,
                    instructionVersionId INTEGER REFERENCES instructionVersion(id),
                    CHECK (modelA <> modelB),
                    CHECK (outcome IS NOT NULL OR (judgeKind = 'human' AND promptId IS NOT NULL
                        AND responseAId IS NOT NULL AND responseBId IS NOT NULL AND leftSide IS NOT NULL))
                );
                INSERT INTO arenaBattle_v8 (id, modelA, modelB, outcome, judgeKind, judge, anonymous, checkpointAId,
                    checkpointBId, promptId, responseAId, responseBId, leftSide, item, sampling, seed, source, votedAt,
                    createdAt)
                    SELECT id, modelA, modelB, outcome, judgeKind, judge, anonymous, checkpointAId, checkpointBId,
                        promptId, responseAId, responseBId, leftSide, item, sampling, seed, source, votedAt, createdAt
                    FROM arenaBattle;
                DROP TABLE arenaBattle;
                ALTER TABLE arenaBattle_v8 RENAME TO arenaBattle;
                CREATE INDEX arenaBattle_item ON arenaBattle(item);
                CREATE INDEX arenaBattle_labeler ON arenaBattle(labelerId);
                CREATE INDEX arenaBattle_waiting ON arenaBattle(id) WHERE outcome IS NULL;
                """)
    }

    /// A response may hold several turns (see `ResponseContent`): `messages` is their JSON list
    /// (`[{"content", "role"}…]`), NULL for a single answer, which `text` alone holds.
    private static func addResponseTurns(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE response ADD COLUMN messages TEXT")
    }

    /// Every label records the operating-system account that submitted it (`osAccount`; NULL for rows made
    /// before, and for imported labels), beside the labeler it was made as: an admin may label as someone else.
    /// The account that owns the database file — the one that ran `tally init` — becomes an admin, so that a new
    /// workspace has its creator as first admin and an older one its owner.
    private static func recordLabelAccounts(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE demonstration ADD COLUMN osAccount TEXT;
                ALTER TABLE ranking ADD COLUMN osAccount TEXT;
                ALTER TABLE comparison ADD COLUMN osAccount TEXT;
                ALTER TABLE flag ADD COLUMN osAccount TEXT;
                ALTER TABLE arenaBattle ADD COLUMN osAccount TEXT;
                """)
        let file = try String.fetchOne(db, sql: "SELECT file FROM pragma_database_list WHERE name = 'main'") ?? ""
        guard !file.isEmpty, let owner = SystemAccount.owner(ofFile: file) else { return }
        try db.execute(
            sql: """
                INSERT INTO labeler (name, role, createdAt) VALUES (?, 'admin', ?)
                    ON CONFLICT (name) DO UPDATE SET role = 'admin'
                """, arguments: [owner, Date.nowTimestamp])
    }
}
