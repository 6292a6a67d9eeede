import Foundation
import GRDB

/// Who judged an arena battle, as the `arenaBattle` table records it: a person, a reward model, the oracle, or
/// nobody Tally knows (a battle read from a Chatbot Arena log with `tally arena import`).
public enum ArenaJudgeKind: String, CaseIterable, Codable, Sendable {
    case human, rm, oracle
    case imported = "import"
}

/// One arena battle as stored: two named models and the outcome, and, when Tally ran the battle itself, the
/// checkpoints, the prompt, the two responses, the side shown on the left and how the responses were sampled.
///
/// `outcome` is seen from model A: `.a` means `modelA` won.
///
/// ```swift
/// try database.recordArenaBattles([
///     ArenaBattleRecord(modelA: "gpt-4", modelB: "claude-v1", outcome: .a, judgeKind: .imported, source: "log.jsonl")
/// ])
/// ```
public struct ArenaBattleRecord: Hashable, Sendable {
    /// The row id (nil before it is stored).
    public var id: Int64?
    public var modelA: String
    public var modelB: String
    public var outcome: ComparisonOutcome
    public var judgeKind: ArenaJudgeKind
    /// The judge's name: `oracle`, `rm:CHECKPOINT`, `human:LABELER` (a vote in the Arena screen), or a log's voter id.
    public var judge: String?
    /// Whether the judge voted without seeing the model names.
    public var anonymous: Bool?
    public var checkpointA: Int64?
    public var checkpointB: Int64?
    public var promptID: Int64?
    public var responseA: Int64?
    public var responseB: Int64?
    /// Which model's response was shown on the left (`.a` or `.b`).
    public var leftSide: ComparisonOutcome?
    /// The prompt and its two responses, the same for every judge of them
    /// (see ``item(promptID:responseA:responseB:)``).
    public var item: String?
    /// The sampling parameters of both responses, as JSON.
    public var sampling: SamplingParameters?
    /// The run seed the responses were drawn with.
    public var seed: Int64?
    /// Where the battle came from: `arena battle`, or the imported file's name.
    public var source: String
    /// When the judge decided, in seconds since 1970 (a log's `tstamp`).
    public var votedAt: Double?

    public init(
        id: Int64? = nil, modelA: String, modelB: String, outcome: ComparisonOutcome, judgeKind: ArenaJudgeKind,
        judge: String? = nil, anonymous: Bool? = nil, checkpointA: Int64? = nil, checkpointB: Int64? = nil,
        promptID: Int64? = nil, responseA: Int64? = nil, responseB: Int64? = nil, leftSide: ComparisonOutcome? = nil,
        item: String? = nil, sampling: SamplingParameters? = nil, seed: Int64? = nil, source: String,
        votedAt: Double? = nil
    ) {
        self.id = id
        self.modelA = modelA
        self.modelB = modelB
        self.outcome = outcome
        self.judgeKind = judgeKind
        self.judge = judge
        self.anonymous = anonymous
        self.checkpointA = checkpointA
        self.checkpointB = checkpointB
        self.promptID = promptID
        self.responseA = responseA
        self.responseB = responseB
        self.leftSide = leftSide
        self.item = item
        self.sampling = sampling
        self.seed = seed
        self.source = source
        self.votedAt = votedAt
    }

    /// The item key of a prompt with two responses, whichever order they come in: `prompt:7:12-15`.
    public static func item(promptID: Int64, responseA: Int64, responseB: Int64) -> String {
        "prompt:\(promptID):\(min(responseA, responseB))-\(max(responseA, responseB))"
    }
}

extension TallyDatabase {
    /// Stores the battles in one transaction: all of them, or (on any error) none. Returns their ids in order.
    @discardableResult
    public func recordArenaBattles(_ battles: [ArenaBattleRecord]) throws -> [Int64] {
        for battle in battles {
            try Self.checkBattle(modelA: battle.modelA, modelB: battle.modelB, leftSide: battle.leftSide)
        }
        return try write { db in
            let now = Date.nowTimestamp
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO arenaBattle (modelA, modelB, outcome, judgeKind, judge, anonymous, checkpointAId,
                        checkpointBId, promptId, responseAId, responseBId, leftSide, item, sampling, seed, source,
                        votedAt, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            var ids: [Int64] = []
            ids.reserveCapacity(battles.count)
            for battle in battles {
                let sampling = try battle.sampling.map {
                    String(decoding: try PromptStore.encoder.encode($0), as: UTF8.self)
                }
                try statement.execute(arguments: [
                    battle.modelA, battle.modelB, battle.outcome.rawValue, battle.judgeKind.rawValue, battle.judge,
                    battle.anonymous, battle.checkpointA, battle.checkpointB, battle.promptID, battle.responseA,
                    battle.responseB, battle.leftSide?.rawValue, battle.item, sampling, battle.seed, battle.source,
                    battle.votedAt, now,
                ])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    /// Refuses a battle without two different, named models, or with a left side other than A or B.
    static func checkBattle(modelA: String, modelB: String, leftSide: ComparisonOutcome?) throws {
        guard modelA != modelB, !modelA.isEmpty, !modelB.isEmpty else {
            throw StoreError.invalid("a battle needs two different, named models (got \"\(modelA)\")")
        }
        if let leftSide, leftSide != .a, leftSide != .b {
            throw StoreError.invalid("a battle's left side is A or B")
        }
    }

    /// Every judged arena battle in the order it was recorded, or only those of one kind of judge. Battles still
    /// waiting for a person's vote (``queueArenaBattles(_:)``) are left out: they have no outcome yet.
    public func arenaBattles(judgeKind: ArenaJudgeKind? = nil) throws -> [ArenaBattleRecord] {
        try read { db in
            var sql = "SELECT * FROM arenaBattle WHERE outcome IS NOT NULL"
            var arguments: StatementArguments = []
            if let judgeKind {
                sql += " AND judgeKind = ?"
                arguments = [judgeKind.rawValue]
            }
            sql += " ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let sampling = (row["sampling"] as String?).flatMap {
                    try? JSONDecoder().decode(SamplingParameters.self, from: Data($0.utf8))
                }
                return ArenaBattleRecord(
                    id: row["id"], modelA: row["modelA"], modelB: row["modelB"],
                    outcome: ComparisonOutcome(rawValue: row["outcome"]) ?? .tie,
                    judgeKind: ArenaJudgeKind(rawValue: row["judgeKind"]) ?? .imported, judge: row["judge"],
                    anonymous: row["anonymous"], checkpointA: row["checkpointAId"], checkpointB: row["checkpointBId"],
                    promptID: row["promptId"], responseA: row["responseAId"], responseB: row["responseBId"],
                    leftSide: (row["leftSide"] as String?).flatMap(ComparisonOutcome.init(rawValue:)),
                    item: row["item"], sampling: sampling, seed: row["seed"], source: row["source"],
                    votedAt: row["votedAt"])
            }
        }
    }

    /// A response `checkpointID` already gave to `promptID` with these sampling parameters and seed, if any: what
    /// the arena reuses instead of sampling again.
    public func modelResponse(
        promptID: Int64, checkpointID: Int64, sampling: SamplingParameters, seed: Int64
    ) throws -> ResponseRecord? {
        let samplingJSON = String(decoding: try PromptStore.encoder.encode(sampling), as: UTF8.self)
        let id = try read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT id FROM response WHERE promptId = ? AND checkpointId = ? AND origin = 'model'
                        AND sampling = ? AND seed = ? ORDER BY id LIMIT 1
                    """, arguments: [promptID, checkpointID, samplingJSON, seed])
        }
        return try id.map { try response(id: $0) }
    }
}
