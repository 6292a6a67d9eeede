import Foundation
import GRDB

/// The kinds of training run: pretraining (next-token on a text corpus), then the RLHF stages.
public enum TrainingKind: String, CaseIterable, Codable, Sendable {
    case pretrain, sft, rm, dpo, ppo, grpo, rloo
}

/// How a training run ended (or that it has not).
public enum TrainingStatus: String, CaseIterable, Codable, Sendable {
    /// Training now, or killed without a chance to say so (the same command resumes it).
    case running
    /// Interrupted at a saved step (Ctrl-C, SIGTERM); the same command resumes it.
    case stopped
    case finished, failed
}

/// One arena battle to record.
public struct BattleRecord: Hashable, Sendable {
    public var promptID: Int64
    public var checkpointA: Int64
    public var checkpointB: Int64
    public var responseA: Int64
    public var responseB: Int64
    /// Which side (A or B) the judge saw on the left, to measure position bias.
    public var leftSide: ComparisonOutcome
    public var judgeKind: JudgeKind
    /// A labeler name, a reward-model checkpoint id, or the oracle's name.
    public var judgeID: String
    public var outcome: ComparisonOutcome

    public init(
        promptID: Int64, checkpointA: Int64, checkpointB: Int64, responseA: Int64, responseB: Int64,
        leftSide: ComparisonOutcome, judgeKind: JudgeKind, judgeID: String, outcome: ComparisonOutcome
    ) {
        self.promptID = promptID
        self.checkpointA = checkpointA
        self.checkpointB = checkpointB
        self.responseA = responseA
        self.responseB = responseB
        self.leftSide = leftSide
        self.judgeKind = judgeKind
        self.judgeID = judgeID
        self.outcome = outcome
    }
}

extension TallyDatabase {
    /// Records the start of a training run with only an init checkpoint (the columns every schema version has).
    /// Returns its id.
    @discardableResult
    public func startTrainingRun(kind: TrainingKind, baseCheckpointID: Int64?, config: String) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO trainingRun (kind, baseCheckpointId, config, status, startedAt)
                    VALUES (?, ?, ?, 'running', ?)
                    """, arguments: [kind.rawValue, baseCheckpointID, config, Date.nowTimestamp])
            return db.lastInsertedRowID
        }
    }

    /// Records the start of a training run: its kind, the checkpoint name it writes, its parents by role, its
    /// full configuration as JSON text and the optimizer steps it plans. Returns its id.
    @discardableResult
    public func startTrainingRun(
        kind: TrainingKind, name: String?, parents: TrainingRunParents, config: String, totalSteps: Int?
    ) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO trainingRun (kind, name, baseCheckpointId, referenceCheckpointId, rewardCheckpointId,
                        valueCheckpointId, config, totalSteps, status, startedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
                    """,
                arguments: [
                    kind.rawValue, name, parents.initial, parents.reference, parents.reward, parents.value, config,
                    totalSteps, Date.nowTimestamp,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Marks a run that stopped (interrupted or failed) as running again, when the same command resumes it.
    public func resumeTrainingRun(id: Int64) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE trainingRun SET status = 'running', error = NULL, finishedAt = NULL WHERE id = ?",
                arguments: [id])
            guard db.changesCount == 1 else { throw StoreError.notFound("training run \(id)") }
        }
    }

    /// Records how a training run ended, the checkpoint it produced and, for a failure or a stop, why.
    public func finishTrainingRun(
        id: Int64, status: TrainingStatus, outputCheckpointID: Int64?, error: String? = nil
    ) throws {
        try write { db in
            if let error {
                try db.execute(
                    sql: """
                        UPDATE trainingRun SET status = ?, outputCheckpointId = ?, error = ?, finishedAt = ?
                        WHERE id = ?
                        """,
                    arguments: [status.rawValue, outputCheckpointID, error, Date.nowTimestamp, id])
            } else {
                try db.execute(
                    sql: "UPDATE trainingRun SET status = ?, outputCheckpointId = ?, finishedAt = ? WHERE id = ?",
                    arguments: [status.rawValue, outputCheckpointID, Date.nowTimestamp, id])
            }
            guard db.changesCount == 1 else { throw StoreError.notFound("training run \(id)") }
        }
    }

    /// Records metrics of one step (e.g. `["loss": 2.31, "lr": 3e-4]`) in one transaction; a value
    /// recorded again for the same step replaces the old one (a resumed run repeats steps).
    public func recordMetrics(runID: Int64, step: Int, values: [String: Double]) throws {
        try write { db in
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO trainingMetric (runId, step, name, value) VALUES (?, ?, ?, ?)
                        """
                ).execute(arguments: [runID, step, name, value])
            }
        }
    }

    /// Records one metric of one step.
    public func recordMetric(runID: Int64, step: Int, name: String, value: Double) throws {
        try recordMetrics(runID: runID, step: step, values: [name: value])
    }

    /// The values of metric `name` in run `runID`, by step.
    public func metric(runID: Int64, name: String) throws -> [(step: Int, value: Double)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT step, value FROM trainingMetric WHERE runId = ? AND name = ? ORDER BY step",
                arguments: [runID, name]
            ).map { (step: $0["step"], value: $0["value"]) }
        }
    }

    /// Records one arena battle. Returns its id.
    @discardableResult
    public func recordBattle(_ battle: BattleRecord) throws -> Int64 {
        guard battle.leftSide == .a || battle.leftSide == .b else {
            throw StoreError.invalid("a battle's left side is A or B")
        }
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO battle (promptId, checkpointAId, checkpointBId, responseAId, responseBId, leftSide,
                        judgeKind, judgeId, outcome, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    battle.promptID, battle.checkpointA, battle.checkpointB, battle.responseA, battle.responseB,
                    battle.leftSide.rawValue, battle.judgeKind.rawValue, battle.judgeID, battle.outcome.rawValue,
                    Date.nowTimestamp,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Every battle, oldest first.
    public func battles() throws -> [BattleRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM battle ORDER BY id").map { row in
                BattleRecord(
                    promptID: row["promptId"], checkpointA: row["checkpointAId"], checkpointB: row["checkpointBId"],
                    responseA: row["responseAId"], responseB: row["responseBId"],
                    leftSide: ComparisonOutcome(rawValue: row["leftSide"]) ?? .a,
                    judgeKind: JudgeKind(rawValue: row["judgeKind"]) ?? .human, judgeID: row["judgeId"],
                    outcome: ComparisonOutcome(rawValue: row["outcome"]) ?? .tie)
            }
        }
    }
}
