import Foundation
import GRDB

/// A submission taken back by ``TallyDatabase/undoLastSubmission(for:)``.
public struct UndoneSubmission: Hashable, Sendable {
    public var kind: TaskKind
    /// The assignment, now back in the labeler's queue as a draft.
    public var assignmentID: Int64
    public var taskID: Int64
}

extension TallyDatabase {
    /// Submits a demonstration in ONE transaction: the text, the drafts it started from (with the edit
    /// distance from each), flags, and the assignment marked submitted. Returns the demonstration id.
    ///
    /// - Parameters:
    ///   - editDistances: Levenshtein distance (characters) from the final text to drafts in `draftIDs`;
    ///     a draft without one is stored with no distance. Read back with ``demonstrationDrafts(demonstrationID:)``.
    ///   - instructionVersionID: the guidelines shown; the current version when nil.
    @discardableResult
    public func submitDemonstration(
        assignmentID: Int64, text: String, startedFromDrafts draftIDs: [Int64] = [],
        editDistances: [Int64: Int] = [:], flags: [LabelFlag] = [],
        secondsSpent: Double? = nil, instructionVersionID: Int64? = nil
    ) throws -> Int64 {
        guard text.contains(where: { !$0.isWhitespace }) else {
            throw StoreError.invalid("a demonstration cannot be empty")
        }
        if let stray = editDistances.keys.sorted().first(where: { !draftIDs.contains($0) }) {
            throw StoreError.invalid(
                "an edit distance is given for draft \(stray), which the demonstration did not start from")
        }
        if let negative = editDistances.first(where: { $0.value < 0 }) {
            throw StoreError.invalid("the edit distance from draft \(negative.key) is negative (\(negative.value))")
        }
        return try write { db in
            let assignment = try Queue.openAssignment(db, id: assignmentID, kind: .demonstration)
            let now = Date.nowTimestamp
            try db.execute(
                sql: """
                    INSERT INTO demonstration (promptId, labelerId, text, instructionVersionId, secondsSpent, source,
                        createdAt, assignmentId, osAccount) VALUES (?, ?, ?, ?, ?, 'label', ?, ?, ?)
                    """,
                arguments: [
                    assignment.promptID, assignment.labelerID, text,
                    try Self.instructionID(db, instructionVersionID), secondsSpent, now, assignmentID, account,
                ])
            let demonstrationID = db.lastInsertedRowID
            for draftID in Set(draftIDs) {
                try db.execute(
                    sql: "INSERT INTO demonstrationDraft (demonstrationId, draftId, editDistance) VALUES (?, ?, ?)",
                    arguments: [demonstrationID, draftID, editDistances[draftID]])
            }
            try insertFlags(
                db, flags, assignment: assignment, column: "demonstrationId", id: demonstrationID, now: now)
            try db.execute(sql: "UPDATE assignment SET draftText = NULL WHERE id = ?", arguments: [assignmentID])
            try Queue.markSubmitted(db, assignmentID: assignmentID, now: now)
            return demonstrationID
        }
    }

    /// Autosaves the labeler's unfinished demonstration text; it comes back in
    /// ``DemonstrationTask/savedDraftText``.
    public func saveDemonstrationDraft(assignmentID: Int64, text: String) throws {
        try write { db in
            _ = try Queue.openAssignment(db, id: assignmentID, kind: .demonstration)
            try db.execute(
                sql: "UPDATE assignment SET status = 'draft', draftText = ?, updatedAt = ? WHERE id = ?",
                arguments: [text, Date.nowTimestamp, assignmentID])
        }
    }

    /// Submits a ranking in ONE transaction. `tiers` lists the task's response ids best first; ids in
    /// one tier are tied. Every response of the task must appear exactly once.
    ///
    /// ```swift
    /// // r2 best, r1 and r3 tied below it
    /// try database.submitRanking(assignmentID: task.assignmentID, tiers: [[r2], [r1, r3]])
    /// ```
    @discardableResult
    public func submitRanking(
        assignmentID: Int64, tiers: [[Int64]], noneAcceptable: Bool = false, flags: [LabelFlag] = [],
        secondsSpent: Double? = nil, instructionVersionID: Int64? = nil
    ) throws -> Int64 {
        try write { db in
            let assignment = try Queue.openAssignment(db, id: assignmentID, kind: .ranking)
            let expected = try Queue.responseIDs(db, taskID: assignment.taskID)
            let given = tiers.flatMap { $0 }
            guard !tiers.contains(where: \.isEmpty) else { throw StoreError.invalid("a ranking tier cannot be empty") }
            guard given.count == Set(given).count else {
                throw StoreError.invalid("a response appears twice in the ranking")
            }
            guard Set(given) == Set(expected) else {
                throw StoreError.invalid(
                    "the ranking must order exactly the task's responses \(expected), got \(given.sorted())")
            }
            let now = Date.nowTimestamp
            try db.execute(
                sql: """
                    INSERT INTO ranking (promptId, labelerId, noneAcceptable, instructionVersionId, secondsSpent,
                        source, createdAt, assignmentId, osAccount) VALUES (?, ?, ?, ?, ?, 'label', ?, ?, ?)
                    """,
                arguments: [
                    assignment.promptID, assignment.labelerID, noneAcceptable,
                    try Self.instructionID(db, instructionVersionID), secondsSpent, now, assignmentID, account,
                ])
            let rankingID = db.lastInsertedRowID
            for (tier, ids) in tiers.enumerated() {
                for responseID in ids {
                    try db.execute(
                        sql: "INSERT INTO rankingEntry (rankingId, responseId, tier) VALUES (?, ?, ?)",
                        arguments: [rankingID, responseID, tier])
                }
            }
            try insertFlags(db, flags, assignment: assignment, column: "rankingId", id: rankingID, now: now)
            try Queue.markSubmitted(db, assignmentID: assignmentID, now: now)
            return rankingID
        }
    }

    /// Submits a pairwise comparison in ONE transaction.
    ///
    /// - Parameter strength: how clear the preference is, from 0 (barely) to 1 (decisive); nil if not asked.
    @discardableResult
    public func submitComparison(
        assignmentID: Int64, outcome: ComparisonOutcome, strength: Double? = nil, flags: [LabelFlag] = [],
        secondsSpent: Double? = nil, instructionVersionID: Int64? = nil
    ) throws -> Int64 {
        if let strength, !(0...1).contains(strength) {
            throw StoreError.invalid("comparison strength must be between 0 and 1, got \(strength)")
        }
        return try write { db in
            let assignment = try Queue.openAssignment(db, id: assignmentID, kind: .comparison)
            let responses = try Queue.responseIDs(db, taskID: assignment.taskID)
            guard responses.count == 2 else {
                throw StoreError.invalid("comparison task \(assignment.taskID) has \(responses.count) responses")
            }
            let now = Date.nowTimestamp
            try db.execute(
                sql: """
                    INSERT INTO comparison (promptId, responseAId, responseBId, outcome, strength, labelerId,
                        instructionVersionId, secondsSpent, source, createdAt, assignmentId, osAccount)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'label', ?, ?, ?)
                    """,
                arguments: [
                    assignment.promptID, responses[0], responses[1], outcome.rawValue, strength,
                    assignment.labelerID, try Self.instructionID(db, instructionVersionID), secondsSpent, now,
                    assignmentID, account,
                ])
            let comparisonID = db.lastInsertedRowID
            try insertFlags(db, flags, assignment: assignment, column: "comparisonId", id: comparisonID, now: now)
            try Queue.markSubmitted(db, assignmentID: assignmentID, now: now)
            return comparisonID
        }
    }

    /// Takes back the labeler's most recent submission (and its flags) in one transaction; the task
    /// returns to the top of their queue as a draft (a demonstration keeps its text). Nil if none.
    @discardableResult
    public func undoLastSubmission(for labeler: Labeler) throws -> UndoneSubmission? {
        try write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT a.id, a.taskId, t.kind FROM assignment a JOIN task t ON t.id = a.taskId
                        WHERE a.labelerId = ? AND a.status = 'submitted' ORDER BY a.submittedAt DESC, a.id DESC LIMIT 1
                        """, arguments: [labeler.id])
            else { return nil }
            let assignmentID: Int64 = row["id"]
            guard let kind = TaskKind(rawValue: row["kind"]) else { return nil }
            var draftText: String?
            switch kind {
            case .demonstration:
                draftText = try String.fetchOne(
                    db, sql: "SELECT text FROM demonstration WHERE assignmentId = ?", arguments: [assignmentID])
                try db.execute(sql: "DELETE FROM demonstration WHERE assignmentId = ?", arguments: [assignmentID])
            case .ranking:
                try db.execute(sql: "DELETE FROM ranking WHERE assignmentId = ?", arguments: [assignmentID])
            case .comparison:
                try db.execute(sql: "DELETE FROM comparison WHERE assignmentId = ?", arguments: [assignmentID])
            }
            // Back to the front of the queue: unfinished assignments are served oldest first.
            try db.execute(
                sql: """
                    UPDATE assignment SET status = 'draft', draftText = ?, submittedAt = NULL, updatedAt = ?,
                        createdAt = (SELECT coalesce(min(createdAt), 0) - 1 FROM assignment WHERE labelerId = ?)
                    WHERE id = ?
                    """, arguments: [draftText, Date.nowTimestamp, labeler.id, assignmentID])
            return UndoneSubmission(kind: kind, assignmentID: assignmentID, taskID: row["taskId"])
        }
    }

    static func instructionID(_ db: Database, _ explicit: Int64?) throws -> Int64? {
        if let explicit { return explicit }
        return try currentInstructionVersion(db)?.id
    }

    private func insertFlags(
        _ db: Database, _ flags: [LabelFlag], assignment: OpenAssignment, column: String, id: Int64, now: Double
    ) throws {
        for flag in flags {
            try db.execute(
                sql: """
                    INSERT INTO flag (kind, note, promptId, responseId, labelerId, \(column), createdAt, osAccount)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    flag.kind.rawValue, flag.note, assignment.promptID, flag.responseID, assignment.labelerID, id, now,
                    account,
                ])
        }
    }
}
