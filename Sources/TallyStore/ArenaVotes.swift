import Foundation
import GRDB

/// A battle set up for people to judge: two checkpoints' responses to one prompt, and which one is shown on the
/// left. ``TallyDatabase/queueArenaBattles(_:)`` stores it without an outcome until someone votes.
public struct ArenaBattleSetup: Hashable, Sendable {
    public var modelA: String
    public var modelB: String
    public var checkpointA: Int64
    public var checkpointB: Int64
    public var promptID: Int64
    public var responseA: Int64
    public var responseB: Int64
    /// Which model's response is shown on the left (`.a` or `.b`), drawn at random when the battle is set up.
    public var leftSide: ComparisonOutcome
    /// The sampling parameters of both responses.
    public var sampling: SamplingParameters?
    /// The run seed the responses were drawn with.
    public var seed: Int64?
    /// Where the battle came from (`arena battle`).
    public var source: String

    public init(
        modelA: String, modelB: String, checkpointA: Int64, checkpointB: Int64, promptID: Int64, responseA: Int64,
        responseB: Int64, leftSide: ComparisonOutcome, sampling: SamplingParameters? = nil, seed: Int64? = nil,
        source: String
    ) {
        self.modelA = modelA
        self.modelB = modelB
        self.checkpointA = checkpointA
        self.checkpointB = checkpointB
        self.promptID = promptID
        self.responseA = responseA
        self.responseB = responseB
        self.leftSide = leftSide
        self.sampling = sampling
        self.seed = seed
        self.source = source
    }

    /// The item key every judge of these two responses shares (see ``ArenaBattleRecord/item(promptID:responseA:responseB:)``).
    public var item: String { ArenaBattleRecord.item(promptID: promptID, responseA: responseA, responseB: responseB) }

    /// The stored battle once `judge` decided it: `outcome` is seen from model A.
    public func judged(
        outcome: ComparisonOutcome, judgeKind: ArenaJudgeKind, judge: String, votedAt: Double
    ) -> ArenaBattleRecord {
        ArenaBattleRecord(
            modelA: modelA, modelB: modelB, outcome: outcome, judgeKind: judgeKind, judge: judge, anonymous: true,
            checkpointA: checkpointA, checkpointB: checkpointB, promptID: promptID, responseA: responseA,
            responseB: responseB, leftSide: leftSide, item: item, sampling: sampling, seed: seed, source: source,
            votedAt: votedAt)
    }
}

/// What ``TallyDatabase/queueArenaBattles(_:)`` did.
public struct ArenaQueueReport: Hashable, Sendable {
    /// The ids of the battles now waiting for a vote, in order.
    public var queued: [Int64]
    /// Battles left out because the same item (prompt and responses) was already waiting for a vote.
    public var alreadyWaiting: Int
}

/// An arena battle as a labeler sees it before voting: the prompt and two anonymous responses, left and right.
/// Nothing in it tells which model wrote which side.
public struct ArenaBallot: Hashable, Sendable {
    /// The battle to vote on (pass it to ``TallyDatabase/voteArena(battleID:labeler:vote:secondsSpent:instructionVersionID:)``).
    public var battleID: Int64
    public var prompt: Prompt
    public var leftText: String
    public var rightText: String
    /// Whether someone skipped this battle before (it came back after the others).
    public var skippedBefore: Bool

    public init(battleID: Int64, prompt: Prompt, leftText: String, rightText: String, skippedBefore: Bool = false) {
        self.battleID = battleID
        self.prompt = prompt
        self.leftText = leftText
        self.rightText = rightText
        self.skippedBefore = skippedBefore
    }
}

/// A person's vote, by the sides they saw.
public enum ArenaVote: String, CaseIterable, Sendable {
    case left, right, tie, bothBad
}

/// What a vote reveals: the models behind the two sides, and the outcome stored (seen from model A).
public struct ArenaVoteResult: Hashable, Sendable {
    public var leftModel: String
    public var rightModel: String
    public var outcome: ComparisonOutcome
}

extension TallyDatabase {
    /// The judge name stored with a person's arena vote: `human:NAME`.
    public static func humanJudgeName(_ labeler: Labeler) -> String { "human:" + labeler.name }

    /// Queues battles for people to judge, in one transaction: each is stored as a `human` battle without an
    /// outcome, and waits in `tally label`'s Arena screen. A battle whose item (the same prompt and two responses)
    /// is already waiting is not queued again.
    ///
    /// ```swift
    /// let report = try database.queueArenaBattles([setup])
    /// report.queued.count   // 1
    /// ```
    @discardableResult
    public func queueArenaBattles(_ battles: [ArenaBattleSetup]) throws -> ArenaQueueReport {
        for battle in battles {
            try Self.checkBattle(modelA: battle.modelA, modelB: battle.modelB, leftSide: battle.leftSide)
        }
        return try write { db in
            let now = Date.nowTimestamp
            let waiting = try db.cachedStatement(
                sql: "SELECT 1 FROM arenaBattle WHERE item = ? AND outcome IS NULL AND judgeKind = 'human' LIMIT 1")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO arenaBattle (modelA, modelB, outcome, judgeKind, anonymous, checkpointAId,
                        checkpointBId, promptId, responseAId, responseBId, leftSide, item, sampling, seed, source,
                        createdAt) VALUES (?, ?, NULL, 'human', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            var report = ArenaQueueReport(queued: [], alreadyWaiting: 0)
            for battle in battles {
                if try Bool.fetchOne(waiting, arguments: [battle.item]) == true {
                    report.alreadyWaiting += 1
                    continue
                }
                let sampling = try battle.sampling.map {
                    String(decoding: try PromptStore.encoder.encode($0), as: UTF8.self)
                }
                try insert.execute(arguments: [
                    battle.modelA, battle.modelB, battle.checkpointA, battle.checkpointB, battle.promptID,
                    battle.responseA, battle.responseB, battle.leftSide.rawValue, battle.item, sampling, battle.seed,
                    battle.source, now,
                ])
                report.queued.append(db.lastInsertedRowID)
            }
            return report
        }
    }

    /// The labeler's next battle to vote on: one they already hold (claimed and not voted, oldest claim first),
    /// else the first waiting battle nobody holds (battles someone skipped come after the others), which is
    /// claimed for them in the same transaction so that no other labeler gets it meanwhile. A labeler is never
    /// given an item (prompt and responses) they already voted on or hold in another battle. Nil when nothing
    /// is waiting for them.
    public func nextArenaBallot(for labeler: Labeler) throws -> ArenaBallot? {
        try write { db in
            var battleID = try Int64.fetchOne(
                db,
                sql: """
                    SELECT id FROM arenaBattle WHERE outcome IS NULL AND labelerId = ?
                    ORDER BY claimedAt, id LIMIT 1
                    """, arguments: [labeler.id])
            if battleID == nil {
                battleID = try Int64.fetchOne(
                    db,
                    sql: "SELECT b.id " + Self.openArenaBattlesSQL + " ORDER BY coalesce(b.skippedAt, 0), b.id LIMIT 1",
                    arguments: ["labeler": labeler.id])
                if let battleID {
                    try db.execute(
                        sql: "UPDATE arenaBattle SET labelerId = ?, claimedAt = ? WHERE id = ?",
                        arguments: [labeler.id, Date.nowTimestamp, battleID])
                }
            }
            guard let battleID else { return nil }
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT b.promptId, b.leftSide, b.skippedAt, a.text AS textA, r.text AS textB
                        FROM arenaBattle b JOIN response a ON a.id = b.responseAId JOIN response r ON r.id = b.responseBId
                        WHERE b.id = ?
                        """, arguments: [battleID])
            else { throw StoreError.notFound("arena battle \(battleID)") }
            let textA: String = row["textA"]
            let textB: String = row["textB"]
            let leftIsA = (row["leftSide"] as String) == ComparisonOutcome.a.rawValue
            return ArenaBallot(
                battleID: battleID, prompt: try PromptStore.fetch(db, id: row["promptId"]),
                leftText: leftIsA ? textA : textB, rightText: leftIsA ? textB : textA,
                skippedBefore: (row["skippedAt"] as Double?) != nil)
        }
    }

    /// Waiting battles nobody holds that `:labeler` may take: not an item they voted on or hold.
    private static let openArenaBattlesSQL = """
        FROM arenaBattle b
        WHERE b.outcome IS NULL AND b.labelerId IS NULL
          AND NOT EXISTS (SELECT 1 FROM arenaBattle v WHERE v.item = b.item AND v.labelerId = :labeler)
        """

    /// How many battles wait for the labeler's vote: the ones they hold plus the ones they may take.
    public func arenaBallotCount(for labeler: Labeler) throws -> Int {
        try read { db in
            let held =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM arenaBattle WHERE outcome IS NULL AND labelerId = ?",
                    arguments: [labeler.id]) ?? 0
            let open =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) " + Self.openArenaBattlesSQL, arguments: ["labeler": labeler.id])
                ?? 0
            return held + open
        }
    }

    /// How many battles wait for a person's vote, held or not.
    public func arenaBattlesWaitingForVotes() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM arenaBattle WHERE outcome IS NULL") ?? 0 }
    }

    /// How many arena votes the labeler cast.
    public func arenaVoteCount(for labeler: Labeler) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM arenaBattle WHERE labelerId = ? AND outcome IS NOT NULL",
                arguments: [labeler.id]) ?? 0
        }
    }

    /// Records the labeler's vote on a battle they hold, in ONE transaction: the outcome (turned from the sides
    /// they saw into model A's view with the battle's stored left side), the judge (`human:NAME`, kind `human`),
    /// the labeler, when, how long it took and the guidelines' version. Returns the models behind the sides.
    ///
    /// A vote cannot be taken back or recorded twice: the names are shown once it is stored.
    /// - Throws: ``StoreError/invalid(_:)`` when the battle is already judged or held by someone else.
    @discardableResult
    public func voteArena(
        battleID: Int64, labeler: Labeler, vote: ArenaVote, secondsSpent: Double? = nil,
        instructionVersionID: Int64? = nil
    ) throws -> ArenaVoteResult {
        try write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT modelA, modelB, outcome, leftSide, labelerId FROM arenaBattle WHERE id = ?",
                    arguments: [battleID])
            else { throw StoreError.notFound("arena battle \(battleID)") }
            guard (row["outcome"] as String?) == nil else {
                throw StoreError.invalid("arena battle \(battleID) is already judged; a vote cannot be recorded twice")
            }
            guard (row["labelerId"] as Int64?) == labeler.id else {
                throw StoreError.invalid(
                    "arena battle \(battleID) is not held by \(labeler.name); take it with the Arena screen first")
            }
            let leftIsA = (row["leftSide"] as String?) == ComparisonOutcome.a.rawValue
            let outcome: ComparisonOutcome
            switch vote {
            case .left: outcome = leftIsA ? .a : .b
            case .right: outcome = leftIsA ? .b : .a
            case .tie: outcome = .tie
            case .bothBad: outcome = .bothBad
            }
            let now = Date.nowTimestamp
            try db.execute(
                sql: """
                    UPDATE arenaBattle SET outcome = ?, judge = ?, anonymous = 1, votedAt = ?, secondsSpent = ?,
                        instructionVersionId = ?, osAccount = ? WHERE id = ? AND outcome IS NULL
                    """,
                arguments: [
                    outcome.rawValue, Self.humanJudgeName(labeler), now, secondsSpent,
                    try Self.instructionID(db, instructionVersionID), account, battleID,
                ])
            let modelA: String = row["modelA"]
            let modelB: String = row["modelB"]
            return ArenaVoteResult(
                leftModel: leftIsA ? modelA : modelB, rightModel: leftIsA ? modelB : modelA, outcome: outcome)
        }
    }

    /// Puts a battle the labeler holds back in the queue, behind the battles nobody skipped: it comes back to
    /// them (or goes to someone else) later.
    public func skipArenaBattle(battleID: Int64, labeler: Labeler) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE arenaBattle SET labelerId = NULL, claimedAt = NULL, skippedAt = ?
                    WHERE id = ? AND outcome IS NULL AND labelerId = ?
                    """, arguments: [Date.nowTimestamp, battleID, labeler.id])
            guard db.changesCount == 1 else {
                throw StoreError.invalid("arena battle \(battleID) is not waiting for \(labeler.name)'s vote")
            }
        }
    }
}
