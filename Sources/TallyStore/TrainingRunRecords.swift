import Foundation
import GRDB

/// A training run's parent checkpoints by role.
public struct TrainingRunParents: Hashable, Sendable, Codable {
    /// The checkpoint the trained weights start from (the policy for DPO and RL, the SFT model for a reward
    /// model); nil for pretraining from scratch.
    public var initial: Int64?
    /// The frozen reference model (DPO, PPO).
    public var reference: Int64?
    /// The reward model that scores rollouts (PPO, GRPO, RLOO).
    public var reward: Int64?
    /// The value model's starting checkpoint (PPO).
    public var value: Int64?

    public init(initial: Int64? = nil, reference: Int64? = nil, reward: Int64? = nil, value: Int64? = nil) {
        self.initial = initial
        self.reference = reference
        self.reward = reward
        self.value = value
    }

    /// The roles that are set, with their checkpoint ids, in a fixed order.
    public var roles: [(role: String, checkpointID: Int64)] {
        [("init", initial), ("reference", reference), ("reward", reward), ("value", value)].compactMap { entry in
            entry.1.map { (entry.0, $0) }
        }
    }
}

/// A training run as the database holds it.
public struct TrainingRunRecord: Hashable, Sendable {
    public var id: Int64
    public var kind: TrainingKind
    /// The checkpoint name the run writes.
    public var name: String?
    public var parents: TrainingRunParents
    public var outputCheckpointID: Int64?
    /// The full configuration, JSON text.
    public var config: String
    /// The optimizer steps the run plans, when known.
    public var totalSteps: Int?
    public var status: TrainingStatus
    /// Why the run failed.
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// The last step with a recorded metric (0 when none).
    public var lastStep: Int
}

/// One recorded metric value.
public struct TrainingMetricValue: Hashable, Sendable {
    public var step: Int
    public var name: String
    public var value: Double
}

extension TallyDatabase {
    /// Every training run, oldest first.
    public func trainingRuns() throws -> [TrainingRunRecord] {
        try read { db in try Row.fetchAll(db, sql: Self.runSelect + " ORDER BY r.id").map(Self.run) }
    }

    /// The training run `id`, or nil.
    public func trainingRun(id: Int64) throws -> TrainingRunRecord? {
        try read { db in
            try Row.fetchOne(db, sql: Self.runSelect + " WHERE r.id = ?", arguments: [id]).map(Self.run)
        }
    }

    /// Every metric of run `runID`, by step then name.
    public func metrics(runID: Int64) throws -> [TrainingMetricValue] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT step, name, value FROM trainingMetric WHERE runId = ? ORDER BY step, name",
                arguments: [runID]
            ).map { TrainingMetricValue(step: $0["step"], name: $0["name"], value: $0["value"]) }
        }
    }

    /// Each metric's value at the last step it was recorded in run `runID`.
    public func finalMetrics(runID: Int64) throws -> [String: Double] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.name, m.value FROM trainingMetric m
                    JOIN (SELECT name, MAX(step) AS step FROM trainingMetric WHERE runId = :run GROUP BY name) last
                        ON last.name = m.name AND last.step = m.step
                    WHERE m.runId = :run
                    """, arguments: ["run": runID])
            var values: [String: Double] = [:]
            for row in rows { values[row["name"]] = row["value"] }
            return values
        }
    }

    /// Removes the metrics of run `runID` recorded after `step`: a resumed run redoes those steps.
    public func discardMetrics(runID: Int64, after step: Int) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM trainingMetric WHERE runId = ? AND step > ?", arguments: [runID, step])
        }
    }

    /// The newest checkpoint of `kinds` (any policy kind when nil), or nil.
    public func newestCheckpoint(kinds: Set<CheckpointKind>) throws -> CheckpointRecord? {
        try checkpoints().last { kinds.contains($0.kind) }
    }

    /// The checkpoint with id `id`, or nil.
    public func checkpoint(id: Int64) throws -> CheckpointRecord? {
        try checkpoints().first { $0.id == id }
    }

    private static let runSelect = """
        SELECT r.*, (SELECT MAX(step) FROM trainingMetric m WHERE m.runId = r.id) AS lastStep FROM trainingRun r
        """

    private static func run(_ row: Row) -> TrainingRunRecord {
        TrainingRunRecord(
            id: row["id"], kind: TrainingKind(rawValue: row["kind"]) ?? .sft, name: row["name"],
            parents: TrainingRunParents(
                initial: row["baseCheckpointId"], reference: row["referenceCheckpointId"],
                reward: row["rewardCheckpointId"], value: row["valueCheckpointId"]),
            outputCheckpointID: row["outputCheckpointId"], config: row["config"], totalSteps: row["totalSteps"],
            status: TrainingStatus(rawValue: row["status"]) ?? .failed, error: row["error"],
            startedAt: Date(timeIntervalSince1970: row["startedAt"]),
            finishedAt: (row["finishedAt"] as Double?).map { Date(timeIntervalSince1970: $0) },
            lastStep: row["lastStep"] ?? 0)
    }
}
